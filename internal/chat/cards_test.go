package chat

import (
	"errors"
	"strings"
	"testing"
)

func cardsJSON(cards, modulesEach int) string {
	mod := `{"type":"section","text":{"type":"kmarkdown","content":"x"}}`
	card := `{"type":"card","theme":"primary","size":"lg","modules":[` +
		strings.TrimSuffix(strings.Repeat(mod+",", modulesEach), ",") + `]}`
	return "[" + strings.TrimSuffix(strings.Repeat(card+",", cards), ",") + "]"
}

func TestValidateCards(t *testing.T) {
	cases := []struct {
		name, content string
		ok            bool
	}{
		{"one card", cardsJSON(1, 1), true},
		{"five cards, fifty modules", cardsJSON(5, 10), true},
		{"six cards", cardsJSON(6, 1), false},
		{"fifty-one modules", cardsJSON(3, 17), false},
		{"not JSON", "hello", false},
		{"an object, not an array", `{"type":"card"}`, false},
		{"empty array", `[]`, false},
		{"wrong card type", `[{"type":"box","modules":[]}]`, false},
		{"unknown theme", `[{"type":"card","theme":"pink","modules":[]}]`, false},
		{"unknown module", `[{"type":"card","modules":[{"type":"marquee"}]}]`, false},
		{"bad size", `[{"type":"card","size":"xl","modules":[]}]`, false},
	}
	for _, c := range cases {
		err := validateCards(c.content)
		if c.ok != (err == nil) {
			t.Errorf("%s: validateCards = %v, want ok=%v", c.name, err, c.ok)
		}
		var fe *FieldError
		if err != nil && (!errors.As(err, &fe) || fe.Field != "content" || !errors.Is(err, ErrInvalid)) {
			t.Errorf("%s: error %v does not name the content field", c.name, err)
		}
	}
}

func TestValidateContentLength(t *testing.T) {
	if err := validateContent(TypeText, strings.Repeat("字", MaxContentLength)); err != nil {
		t.Errorf("8000 characters rejected: %v", err)
	}
	if err := validateContent(TypeText, strings.Repeat("a", MaxContentLength+1)); err == nil {
		t.Error("8001 characters accepted")
	}
	if err := validateContent(TypeText, ""); err == nil {
		t.Error("empty content accepted")
	}
}
