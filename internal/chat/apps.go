package chat

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"
	"time"
)

// DefaultAppID is the app of everything created without one (and of every
// row that existed before apps did).
const DefaultAppID = 1

// App is a tenant: users, groups, chats and messages of one app are
// invisible from every other app.
type App struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}

// Device is one login device of a user, numbered per user from 1. Device
// SN 0 means "the user itself, any device".
type Device struct {
	UserID int64
	SN     int32
	GUID   string
}

// appOf treats a zero app id as the default app, so values built before
// apps existed keep meaning what they meant.
func appOf(id int64) int64 {
	if id == 0 {
		return DefaultAppID
	}
	return id
}

// sameApp is the one tenancy rule every access check applies: actor sees
// only what belongs to its own app.
func sameApp(actor User, appID int64) bool { return appOf(actor.AppID) == appOf(appID) }

// CreateApp registers a tenant and returns it with its admin token, shown
// this once; only its hash is stored.
func (s *Service) CreateApp(ctx context.Context, name string) (App, string, error) {
	name, err := checkName("name", name, 100)
	if err != nil {
		return App{}, "", err
	}
	a := App{ID: s.ids.Next(), Name: name, CreatedAt: s.clock()}
	token := newToken()
	if err := s.store.CreateApp(ctx, a, HashToken(token)); err != nil {
		return App{}, "", err
	}
	return a, token, nil
}

// App returns an app by id.
func (s *Service) App(ctx context.Context, id int64) (App, error) {
	return s.app(ctx, appOf(id))
}

// Caller is who a request of a face with app tenancy acts as: a user
// (with the device its token names, 0 for none), or an app's admin.
type Caller struct {
	App    App
	User   User // zero for an admin token
	Device int32
	Admin  bool
}

// AuthenticateApp resolves a token presented to app appID: a user token
// (plain or device) of a user of that app, or that app's admin token. A
// token of another app is ErrUnauthenticated, exactly as an unknown one.
func (s *Service) AuthenticateApp(ctx context.Context, appID int64, token string) (Caller, error) {
	app, err := s.App(ctx, appID)
	if err != nil {
		return Caller{}, err
	}
	if token == "" {
		return Caller{}, ErrUnauthenticated
	}
	// User tokens first: they are most requests, and the directory holds
	// them; an admin token is looked up only when no user has it.
	hash := HashToken(token)
	u, dev, err := s.sessionByToken(ctx, hash)
	if err == nil {
		if !sameApp(u, app.ID) {
			return Caller{}, ErrUnauthenticated
		}
		return Caller{App: app, User: u, Device: dev}, nil
	}
	if !errors.Is(err, ErrUnauthenticated) {
		return Caller{}, err
	}
	a, err := s.appByToken(ctx, hash)
	if isNotFound(err) || (err == nil && a.ID != app.ID) {
		return Caller{}, ErrUnauthenticated
	}
	if err != nil {
		return Caller{}, err
	}
	return Caller{App: app, Admin: true}, nil
}

// sessionByToken finds the user (and device) of a token.
func (s *Service) sessionByToken(ctx context.Context, hash []byte) (User, int32, error) {
	u, err := s.userByToken(ctx, hash)
	if err == nil {
		return u, 0, nil
	}
	if !isNotFound(err) {
		return User{}, 0, err
	}
	d, err := s.deviceToken(ctx, hash)
	if isNotFound(err) {
		return User{}, 0, ErrUnauthenticated
	}
	return d.user, d.device, err
}

// VisibleUser returns a user of actor's own app; users of other apps are
// not found.
func (s *Service) VisibleUser(ctx context.Context, actor User, id int64) (User, error) {
	u, err := s.user(ctx, id)
	if err != nil {
		return User{}, err
	}
	if !sameApp(actor, u.AppID) {
		return User{}, notFound(WhatUser)
	}
	return u, nil
}

// ActAs returns the user an app admin acts as: a user of that app.
func (s *Service) ActAs(ctx context.Context, app App, userID int64) (User, error) {
	return s.VisibleUser(ctx, User{AppID: app.ID}, userID)
}

// ActAsGroupAdmin returns the owner of a group of app, the user an app
// admin acts as when it names a group.
func (s *Service) ActAsGroupAdmin(ctx context.Context, app App, chatID int64) (User, error) {
	c, err := s.chatMeta(ctx, chatID)
	if err != nil || c.Kind != ChatGroup || !sameApp(User{AppID: app.ID}, c.AppID) {
		return User{}, notFound(WhatChat)
	}
	return s.user(ctx, c.CreatorID)
}

// Password limits.
const (
	MinPasswordLength = 6
	MaxPasswordLength = 128
	passwordRounds    = 20_000
)

func hashPassword(password string, salt []byte) []byte {
	key, _ := pbkdf2.Key(sha256.New, password, salt, passwordRounds, 32)
	return append(append([]byte{}, salt...), key...)
}

// Register creates a user of an app who logs in with a password.
func (s *Service) Register(ctx context.Context, appID int64, username, password string) (User, error) {
	if len(password) < MinPasswordLength || len(password) > MaxPasswordLength {
		return User{}, invalid("password", "between %d and %d bytes", MinPasswordLength, MaxPasswordLength)
	}
	if isDigits(username) {
		return User{}, invalid("username", "must not be all digits")
	}
	u, _, err := s.CreateUser(ctx, NewUser{Username: username, AppID: appID})
	if err != nil {
		return User{}, err
	}
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	if err := s.store.SetPassword(ctx, u.ID, hashPassword(password, salt)); err != nil {
		return User{}, err
	}
	return u, nil
}

func isDigits(s string) bool {
	s = strings.TrimSpace(s)
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Login is a password login of a user of an app, by name or by id.
type Login struct {
	AppID      int64
	Username   string
	UserID     int64
	Password   string
	DeviceGUID string // when set, the token names that device
}

// ErrBadPassword is a login whose user or password is wrong (the two are
// not told apart).
var ErrBadPassword = errors.New("wrong user or password")

// LogIn checks a password and returns a new token for the user, bound to a
// device (numbered on first use) when DeviceGUID is set.
func (s *Service) LogIn(ctx context.Context, in Login) (User, string, Device, error) {
	var u User
	var err error
	if in.UserID != 0 {
		u, err = s.store.User(ctx, in.UserID)
	} else {
		u, err = s.store.UserByName(ctx, appOf(in.AppID), strings.TrimSpace(in.Username))
	}
	if isNotFound(err) || (err == nil && !sameApp(u, in.AppID)) {
		return User{}, "", Device{}, ErrBadPassword
	}
	if err != nil {
		return User{}, "", Device{}, err
	}
	stored, err := s.store.PasswordHash(ctx, u.ID)
	if isNotFound(err) || (err == nil && len(stored) != 48) {
		return User{}, "", Device{}, ErrBadPassword
	}
	if err != nil {
		return User{}, "", Device{}, err
	}
	if subtle.ConstantTimeCompare(hashPassword(in.Password, stored[:16]), stored) != 1 {
		return User{}, "", Device{}, ErrBadPassword
	}
	if len(in.DeviceGUID) > 128 {
		return User{}, "", Device{}, invalid("device_guid", "at most 128 bytes")
	}
	token := newToken()
	d, err := s.store.PutDeviceToken(ctx, u.ID, in.DeviceGUID, HashToken(token), s.clock())
	if err != nil {
		return User{}, "", Device{}, err
	}
	return u, token, d, nil
}
