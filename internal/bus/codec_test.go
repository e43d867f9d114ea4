package bus

import (
	"reflect"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// fill sets every field reachable from v to a value that is not zero, so a
// field the codec forgets shows up as a difference after a round trip.
func fill(t *testing.T, v reflect.Value, n *int64) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.UnixMilli(1_700_000_000_000 + *n).UTC()))
			return
		}
		for i := range v.NumField() {
			fill(t, v.Field(i), n)
		}
	case reflect.Array:
		for i := range v.Len() {
			fill(t, v.Index(i), n)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(t, s.Index(i), n)
		}
		v.Set(s)
	case reflect.String:
		v.SetString("s" + string(rune('a'+*n%26)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(*n)
	case reflect.Uint8:
		v.SetUint(uint64(*n % 251))
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n))
	default:
		t.Fatalf("fill: no rule for %s", v.Type())
	}
}

// Every field of chat.Event crosses the wire: a field added to the core
// and not to the codec fails here.
func TestCodecCarriesEveryField(t *testing.T) {
	var e chat.Event
	var n int64
	fill(t, reflect.ValueOf(&e).Elem(), &n)
	b, err := Encode("node-a", e)
	if err != nil {
		t.Fatal(err)
	}
	env, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if env.Origin != "node-a" {
		t.Errorf("origin %q", env.Origin)
	}
	if !reflect.DeepEqual(env.Event, e) {
		t.Errorf("round trip changed the event:\n got %+v\nwant %+v", env.Event, e)
	}
}
