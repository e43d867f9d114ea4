package admin

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/chatd/chatd/internal/chat"
)

// maxBody bounds a request body; operator requests are tiny.
const maxBody = 1 << 20

// ID is a 64-bit id. It is rendered as a decimal string because ids exceed
// 2^53, past which JSON numbers are not exact in most clients; it is accepted
// as a string or a number.
type ID int64

func (id ID) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.FormatInt(int64(id), 10)), nil
}

var errNotID = errors.New("not an id")

func (id *ID) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return errNotID
		}
	}
	n, err := parseID(s)
	if err != nil {
		return err
	}
	*id = ID(n)
	return nil
}

func parseID(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, errNotID
	}
	return n, nil
}

// pathID reads the id in the path segment called name.
func pathID(r *http.Request, name string) (int64, error) {
	n, err := parseID(r.PathValue(name))
	if err != nil {
		return 0, &chat.FieldError{Field: name, Reason: "must be a positive decimal id"}
	}
	return n, nil
}

// decode reads a JSON object into dst, a pointer to a struct whose fields
// carry json tags. It decodes field by field so that an unknown field or a
// value of the wrong type is reported with the field's name.
func decode(w http.ResponseWriter, r *http.Request, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &apiError{status: http.StatusRequestEntityTooLarge, code: codeInvalid,
				message: "request body is larger than " + strconv.Itoa(maxBody) + " bytes"}
		}
		return &apiError{status: http.StatusBadRequest, code: codeInvalid,
			message: "request body must be a JSON object: " + err.Error()}
	}
	if obj == nil {
		return &apiError{status: http.StatusBadRequest, code: codeInvalid, message: "request body must be a JSON object, got null"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &apiError{status: http.StatusBadRequest, code: codeInvalid, message: "request body has data after the JSON object"}
	}

	v := reflect.ValueOf(dst).Elem()
	t := v.Type()
	index := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		index[name] = i
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same request always names the same field
	for _, k := range keys {
		i, ok := index[k]
		if !ok {
			return &chat.FieldError{Field: k, Reason: "unknown field"}
		}
		if err := json.Unmarshal(obj[k], v.Field(i).Addr().Interface()); err != nil {
			return &chat.FieldError{Field: k, Reason: "must be " + expected(t.Field(i).Type)}
		}
	}
	return nil
}

// expected says, for an error message, what a field of type t holds.
func expected(t reflect.Type) string {
	switch {
	case t.Kind() == reflect.Pointer:
		return expected(t.Elem())
	case t == reflect.TypeFor[ID]():
		return "an id (a decimal string or an integer)"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t == reflect.TypeFor[[]int]():
		return "a list of integers"
	case t.Kind() == reflect.Slice:
		return "a list"
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		return "a non-negative integer"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return "an integer"
	}
	return "a " + t.String()
}
