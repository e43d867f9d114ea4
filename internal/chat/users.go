package chat

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"
)

// NewUser is what the operator gives to create a user or a bot.
type NewUser struct {
	Username string
	Nickname string
	Bot      bool
	AppID    int64 // 0 for the default app
}

// CreateUser registers a user and returns it with its token. The token is
// shown this once; only its hash is stored.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (User, string, error) {
	in.Username = strings.TrimSpace(in.Username)
	if in.Username == "" {
		return User{}, "", invalid("username", "must not be empty")
	}
	if n := utf8.RuneCountInString(in.Username); n > 64 {
		return User{}, "", invalid("username", "at most 64 characters, got %d", n)
	}
	if strings.ContainsAny(in.Username, "#\n\r\t") {
		return User{}, "", invalid("username", "must not contain '#' or control characters")
	}
	if utf8.RuneCountInString(in.Nickname) > 64 {
		return User{}, "", invalid("nickname", "at most 64 characters")
	}
	if in.AppID != 0 {
		if _, err := s.store.App(ctx, in.AppID); err != nil {
			if isNotFound(err) {
				return User{}, "", invalid("app_id", "no such app")
			}
			return User{}, "", err
		}
	}
	u := User{ID: s.ids.Next(), AppID: appOf(in.AppID), Username: in.Username, Nickname: in.Nickname, Bot: in.Bot, CreatedAt: s.clock()}
	token := newToken()
	if err := s.store.CreateUser(ctx, u, HashToken(token)); err != nil {
		if errors.Is(err, ErrConflict) {
			return User{}, "", invalid("username", "%q is taken", in.Username)
		}
		return User{}, "", err
	}
	return u, token, nil
}

// Authenticate returns the user a token belongs to: an operator-issued
// token or a login token.
func (s *Service) Authenticate(ctx context.Context, token string) (User, error) {
	if token == "" {
		return User{}, ErrUnauthenticated
	}
	// A login token (Lanying's /token/*) works on every face, as the
	// operator's tokens do.
	u, _, err := s.sessionByToken(ctx, HashToken(token))
	return u, err
}

// User returns any user by id.
func (s *Service) User(ctx context.Context, id int64) (User, error) {
	return s.store.User(ctx, id)
}

// UsersByID returns the users among ids that exist.
func (s *Service) UsersByID(ctx context.Context, ids []int64) (map[int64]User, error) {
	return s.store.UsersByID(ctx, ids)
}

// SetOnline records whether a user is connected (KOOK user/online and
// user/offline, and live sessions).
func (s *Service) SetOnline(userID int64, online bool) {
	s.presenceMu.Lock()
	defer s.presenceMu.Unlock()
	if online {
		s.online[userID] = true
	} else {
		delete(s.online, userID)
	}
}

// Online reports whether a user is connected.
func (s *Service) Online(userID int64) bool {
	s.presenceMu.RLock()
	defer s.presenceMu.RUnlock()
	return s.online[userID]
}
