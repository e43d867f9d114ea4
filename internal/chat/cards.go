package chat

import (
	"encoding/json"
	"fmt"
)

// Card message limits (KOOK's CardMessage rules).
const (
	MaxCards       = 5
	MaxCardModules = 50
)

var cardThemes = map[string]bool{"": true, "primary": true, "success": true, "danger": true, "warning": true,
	"info": true, "secondary": true, "none": true, "invisible": true}

var cardModules = map[string]bool{"header": true, "section": true, "image-group": true, "container": true,
	"action-group": true, "context": true, "divider": true, "file": true, "audio": true, "video": true,
	"countdown": true, "invite": true}

// validateCards checks that content is a JSON array of at most MaxCards
// cards holding at most MaxCardModules modules together.
func validateCards(content string) error {
	var cards []struct {
		Type    string            `json:"type"`
		Theme   string            `json:"theme"`
		Size    string            `json:"size"`
		Modules []json.RawMessage `json:"modules"`
	}
	if err := json.Unmarshal([]byte(content), &cards); err != nil {
		return invalid("content", "a card message must be a JSON array of cards: %v", err)
	}
	if len(cards) == 0 {
		return invalid("content", "a card message needs at least one card")
	}
	if len(cards) > MaxCards {
		return invalid("content", "at most %d cards, got %d", MaxCards, len(cards))
	}
	modules := 0
	for i, c := range cards {
		where := fmt.Sprintf("card %d", i+1)
		if c.Type != "card" {
			return invalid("content", "%s: type must be \"card\"", where)
		}
		if !cardThemes[c.Theme] {
			return invalid("content", "%s: unknown theme %q", where, c.Theme)
		}
		if c.Size != "" && c.Size != "sm" && c.Size != "lg" {
			return invalid("content", "%s: size must be sm or lg", where)
		}
		for j, raw := range c.Modules {
			var m struct {
				Type string `json:"type"`
			}
			if err := json.Unmarshal(raw, &m); err != nil || !cardModules[m.Type] {
				return invalid("content", "%s, module %d: unknown module type", where, j+1)
			}
		}
		modules += len(c.Modules)
	}
	if modules > MaxCardModules {
		return invalid("content", "at most %d modules across all cards, got %d", MaxCardModules, modules)
	}
	return nil
}
