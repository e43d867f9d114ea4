package kook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/chatd/chatd/internal/chat"
)

// params are a request's parameters: the query of a GET, the JSON (or
// form) body of a POST. Accessors record the first bad field in err, so a
// handler reads all it needs and the endpoint reports the first mistake.
type params struct {
	json  map[string]json.RawMessage
	query url.Values
	err   error
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
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	// A JSON object sent with the form type (curl -d without a header)
	// is still JSON: no form starts with '{'.
	if ct == "application/x-www-form-urlencoded" && !strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, &chat.FieldError{Field: "body", Reason: "malformed form: " + err.Error()}
		}
		return &params{query: q}, nil
	}
	p := &params{json: map[string]json.RawMessage{}}
	if len(strings.TrimSpace(string(body))) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(body, &p.json); err != nil {
		return nil, &chat.FieldError{Field: "body", Reason: "malformed JSON: " + err.Error()}
	}
	return p, nil
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
	v, ok := p.json[name]
	if !ok || string(v) == "null" {
		return "", false
	}
	switch v[0] {
	case '"':
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
