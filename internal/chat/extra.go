package chat

import (
	"encoding/json"
	"unicode/utf8"
)

// Button limits: rows of buttons under a message.
const (
	MaxButtonRows    = 10
	MaxButtonsPerRow = 10
	MaxButtonValue   = 1000
	maxExtraText     = 8000
)

// Button action types (Yunhu's numbers, which the core adopts): open a URL,
// copy a value, report the click to the message's bot.
const (
	ButtonOpenURL = 1
	ButtonCopy    = 2
	ButtonReport  = 3
)

type button struct {
	Text       string `json:"text"`
	ActionType int    `json:"actionType"`
	URL        string `json:"url"`
	Value      string `json:"value"`
}

// validateButtons checks that s is a JSON array of rows, each an array of
// buttons with a text and a known action.
func validateButtons(s string) error {
	var rows [][]button
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return invalid("buttons", "must be a JSON array of rows of buttons: %v", err)
	}
	if len(rows) > MaxButtonRows {
		return invalid("buttons", "at most %d rows", MaxButtonRows)
	}
	for _, row := range rows {
		if len(row) == 0 || len(row) > MaxButtonsPerRow {
			return invalid("buttons", "a row holds 1 to %d buttons", MaxButtonsPerRow)
		}
		for _, b := range row {
			if b.Text == "" {
				return invalid("buttons", "every button needs a text")
			}
			switch b.ActionType {
			case ButtonOpenURL:
				if b.URL == "" {
					return invalid("buttons", "a URL button needs a url")
				}
			case ButtonCopy, ButtonReport:
			default:
				return invalid("buttons", "actionType %d is not 1, 2 or 3", b.ActionType)
			}
			if len(b.Value) > MaxButtonValue {
				return invalid("buttons", "a value holds at most %d bytes", MaxButtonValue)
			}
		}
	}
	return nil
}

// validateForm checks that a form message's content is a JSON object of
// form items keyed by id.
func validateForm(s string) error {
	var items map[string]struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if err := json.Unmarshal([]byte(s), &items); err != nil || items == nil {
		return invalid("form", "must be a JSON object of form items")
	}
	for k, it := range items {
		switch it.Type {
		case "radio", "input", "switch", "textarea", "select", "checkbox":
		default:
			return invalid("form", "item %q has no known type", k)
		}
	}
	return nil
}

// validateExtra checks what a message of type t carries beside its content.
func validateExtra(t MessageType, e Extra) error {
	for field, s := range map[string]string{"buttons": e.Buttons, "quote_text": e.QuoteText, "file_name": e.FileName,
		"post_title": e.PostTitle, "expression_id": e.ExpressionID, "ext": e.Ext, "config": e.Config, "attachment": e.Attachment} {
		if utf8.RuneCountInString(s) > maxExtraText {
			return invalid(field, "at most %d characters", maxExtraText)
		}
	}
	if e.Buttons != "" {
		if err := validateButtons(e.Buttons); err != nil {
			return err
		}
	}
	if e.FileSize < 0 || e.Duration < 0 || e.Width < 0 || e.Height < 0 || e.CommandID < 0 {
		return invalid("extra", "sizes, durations and ids are not negative")
	}
	if t == TypeSticker && e.ExpressionID == "" && (e.StickerItemID == 0 || e.StickerPackID == 0) {
		return invalid("sticker", "a sticker needs an expression id, or a sticker item and pack id")
	}
	return nil
}
