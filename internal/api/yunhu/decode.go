package yunhu

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/chatd/chatd/internal/chat"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Decode reads a protobuf request body into m. Beyond what proto.Unmarshal
// rejects (truncated or malformed wire data), it rejects a known field sent
// with the wrong wire type, which proto.Unmarshal would silently keep as an
// unknown field and leave the field unset. Fields unknown to chatd are
// ignored, as clients send some chatd does not use.
func Decode(body []byte, m proto.Message) error {
	if err := (proto.UnmarshalOptions{RecursionLimit: 32}).Unmarshal(body, m); err != nil {
		return &chat.FieldError{Field: "body", Reason: "not a valid protobuf message: " + err.Error()}
	}
	if err := checkWireTypes(m.ProtoReflect(), 0); err != nil {
		return &chat.FieldError{Field: "body", Reason: err.Error()}
	}
	return nil
}

// checkWireTypes walks m and the messages in it for unknown fields whose
// number belongs to a declared field.
func checkWireTypes(m protoreflect.Message, depth int) error {
	if depth > 32 {
		return fmt.Errorf("messages nested too deep")
	}
	fields := m.Descriptor().Fields()
	unknown := m.GetUnknown()
	for len(unknown) > 0 {
		num, typ, n := protowire.ConsumeTag(unknown)
		if n < 0 {
			return fmt.Errorf("malformed field: %v", protowire.ParseError(n))
		}
		if fd := fields.ByNumber(num); fd != nil {
			return fmt.Errorf("field %d (%s) has wire type %d, want %s", num, fd.Name(), typ, wantWire(fd))
		}
		size := protowire.ConsumeFieldValue(num, typ, unknown[n:])
		if size < 0 {
			return fmt.Errorf("malformed field %d: %v", num, protowire.ParseError(size))
		}
		unknown = unknown[n+size:]
	}
	var err error
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind || fd.IsMap() {
			return true
		}
		if fd.IsList() {
			l := v.List()
			for i := 0; i < l.Len() && err == nil; i++ {
				err = checkWireTypes(l.Get(i).Message(), depth+1)
			}
		} else {
			err = checkWireTypes(v.Message(), depth+1)
		}
		return err == nil
	})
	return err
}

func wantWire(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return "2 (length-delimited)"
	case protoreflect.DoubleKind, protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return "1 (64-bit)"
	case protoreflect.FloatKind, protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return "5 (32-bit)"
	}
	if fd.IsList() {
		return "0 (varint) or 2 (packed)"
	}
	return "0 (varint)"
}

// envelope is the JSON answer: {"code","msg","data"}.
type envelope struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	Data any    `json:"data,omitempty"`
}

func (a *API) writeJSON(w http.ResponseWriter, r *http.Request, data any, err error) {
	code, msg := a.describe(r, err)
	if err != nil {
		data = nil
	}
	b, merr := json.Marshal(envelope{Code: code, Msg: msg, Data: data})
	if merr != nil {
		a.log.ErrorContext(r.Context(), "yunhu: encoding a response failed", "err", merr)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

// decodeJSON reads a JSON object body into dst, naming the field that has
// the wrong type.
func decodeJSON(body []byte, dst any) error {
	if err := json.Unmarshal(body, dst); err != nil {
		var te *json.UnmarshalTypeError
		if ok := asTypeError(err, &te); ok && te.Field != "" {
			return &chat.FieldError{Field: te.Field, Reason: "must be " + te.Type.String()}
		}
		return &chat.FieldError{Field: "body", Reason: "must be a JSON object: " + err.Error()}
	}
	return nil
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	*te = t
	return ok
}
