package kook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/chatd/chatd/internal/chat"
)

// params are a request's parameters: the query of a GET, the JSON (or
// form) body of a POST. Accessors record the first bad field in err, so a
// handler reads all it needs and the endpoint reports the first mistake.
type params struct {
	json  []member // a JSON body's top-level members, in order
	query url.Values
	err   error
}

// member is one name and raw value of a JSON object; both alias the body.
type member struct {
	name  []byte
	value []byte
}

func readParams(w http.ResponseWriter, r *http.Request) (*params, error) {
	if r.Method == http.MethodGet {
		return &params{query: r.URL.Query()}, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &chat.FieldError{Field: "body", Reason: fmt.Sprintf("larger than %d bytes", maxBody)}
		}
		return nil, err
	}
	// A JSON object sent with the form type (curl -d without a header)
	// is still JSON: no form starts with '{'.
	if isForm(r.Header.Get("Content-Type")) && !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, &chat.FieldError{Field: "body", Reason: "malformed form: " + err.Error()}
		}
		return &params{query: q}, nil
	}
	p := &params{}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	if members, ok := splitObject(body); ok {
		p.json = members
		return p, nil
	}
	// Not a plain object: decoding it the general way gives the answer
	// (and the error text) clients have always had.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, &chat.FieldError{Field: "body", Reason: "malformed JSON: " + err.Error()}
	}
	for k, v := range m {
		p.json = append(p.json, member{name: []byte(k), value: v})
	}
	return p, nil
}

// isForm reports whether a Content-Type is a urlencoded form. The common
// JSON types skip the full media type parse, which allocates.
func isForm(contentType string) bool {
	switch contentType {
	case "application/json", "application/json; charset=utf-8", "application/json;charset=utf-8", "":
		return false
	}
	ct, _, _ := mime.ParseMediaType(contentType)
	return ct == "application/x-www-form-urlencoded"
}

// splitObject splits a valid JSON object into its members without copying
// or decoding them: a request body is read a few fields at a time, so
// decoding every value into a map up front is wasted. It declines (false)
// anything but a valid object whose names have no escapes, which then
// takes the general decoder.
func splitObject(body []byte) ([]member, bool) {
	if !json.Valid(body) {
		return nil, false
	}
	i := skipSpace(body, 0)
	if body[i] != '{' {
		return nil, false
	}
	out := make([]member, 0, 8)
	i = skipSpace(body, i+1)
	if body[i] == '}' {
		return out, true
	}
	for {
		// body is valid JSON, so a name, a colon and a value follow.
		end, escaped := stringEnd(body, i)
		if escaped {
			return nil, false
		}
		name := body[i+1 : end-1]
		i = skipSpace(body, skipSpace(body, end)+1)
		vend := valueEnd(body, i)
		out = append(out, member{name: name, value: body[i:vend]})
		i = skipSpace(body, vend)
		if body[i] == '}' {
			return out, true
		}
		i = skipSpace(body, i+1) // the comma
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the JSON string starting at b[i] and
// whether it holds escapes.
func stringEnd(b []byte, i int) (int, bool) {
	escaped := false
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped
		}
	}
	return len(b), escaped
}

// valueEnd returns the index after the valid JSON value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		end, _ := stringEnd(b, i)
		return end
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, _ := stringEnd(b, j)
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j
}

// jsonValue returns the raw JSON value of a body member; the last one wins
// when a name repeats, as in a decoded map.
func (p *params) jsonValue(name string) ([]byte, bool) {
	for i := len(p.json) - 1; i >= 0; i-- {
		if string(p.json[i].name) == name {
			return p.json[i].value, true
		}
	}
	return nil, false
}

func (p *params) fail(name, format string, args ...any) {
	if p.err == nil {
		p.err = &chat.FieldError{Field: name, Reason: fmt.Sprintf(format, args...)}
	}
}

// raw returns a parameter as text and whether it was given (JSON null
// counts as absent). A JSON string is unquoted; a JSON number is kept as
// written; anything else is a type error.
func (p *params) raw(name string) (string, bool) {
	if p.query != nil {
		v, ok := p.query[name]
		if !ok || len(v) == 0 {
			return "", false
		}
		return v[0], true
	}
	v, ok := p.jsonValue(name)
	if !ok || string(v) == "null" {
		return "", false
	}
	switch v[0] {
	case '"':
		if s := v[1 : len(v)-1]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
			return string(s), true // nothing to decode
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			p.fail(name, "malformed string")
			return "", false
		}
		return s, true
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(v), true
	}
	p.fail(name, "must be a string or a number")
	return "", false
}

// has reports whether a parameter was given.
func (p *params) has(name string) bool {
	_, ok := p.raw(name)
	return ok
}

// str returns a text parameter; required ones must be non-empty.
func (p *params) str(name string, required bool) string {
	s, ok := p.raw(name)
	if required && (!ok || s == "") {
		p.fail(name, "is required")
	}
	return s
}

// id returns a numeric id parameter (users, guilds, channels), 0 if absent.
func (p *params) id(name string, required bool) int64 {
	s := p.str(name, required)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		p.fail(name, "must be a numeric id, got %q", s)
		return 0
	}
	return n
}

// integer returns an integer parameter, def if absent.
func (p *params) integer(name string, def int) int {
	s, ok := p.raw(name)
	if !ok || s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		p.fail(name, "must be an integer, got %q", s)
		return def
	}
	return n
}

// uuid returns a message id parameter; the zero UUID if absent.
func (p *params) uuid(name string, required bool) chat.UUID {
	s := p.str(name, required)
	if s == "" {
		return chat.UUID{}
	}
	u, err := chat.ParseUUID(s)
	if err != nil {
		p.fail(name, "must be a message id, got %q", s)
	}
	return u
}

// page returns the standard page and page_size parameters.
func (p *params) page() chat.Page {
	return chat.Page{Page: p.integer("page", 1), Size: p.integer("page_size", 50)}
}

// pageMeta is the meta object of KOOK's standard pagination.
type pageMeta struct {
	Page      int `json:"page"`
	PageTotal int `json:"page_total"`
	PageSize  int `json:"page_size"`
	Total     int `json:"total"`
}

// paged is a standard paginated list.
type paged struct {
	Items any            `json:"items"`
	Meta  pageMeta       `json:"meta"`
	Sort  map[string]int `json:"sort"`
}

func newPaged(items any, pg chat.Page, total int) paged {
	pg = pg.Normalize()
	return paged{Items: items, Meta: pageMeta{Page: pg.Page, PageTotal: (total + pg.Size - 1) / pg.Size,
		PageSize: pg.Size, Total: total}, Sort: map[string]int{}}
}

// idString renders a numeric id as KOOK does, as a decimal string.
func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}
