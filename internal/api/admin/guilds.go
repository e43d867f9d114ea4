package admin

import (
	"net/http"

	"github.com/chatd/chatd/internal/chat"
)

func (a *API) createGuild(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name    string `json:"name"`
		OwnerID ID     `json:"owner_id"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	g, _, err := a.svc.CreateGuild(r.Context(), in.Name, int64(in.OwnerID))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, struct {
		ID               ID     `json:"id"`
		Name             string `json:"name"`
		OwnerID          ID     `json:"owner_id"`
		DefaultChannelID ID     `json:"default_channel_id"`
	}{ID(g.ID), g.Name, ID(g.OwnerID), ID(g.DefaultChannelID)})
	return nil
}

func (a *API) addMember(w http.ResponseWriter, r *http.Request) error {
	guildID, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	var in struct {
		UserID ID    `json:"user_id"`
		Roles  []int `json:"roles"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	userID := int64(in.UserID)
	if err := a.svc.AddMember(r.Context(), guildID, userID, in.Roles); err != nil {
		return err
	}
	// Read the membership back as the member sees it, so the reply shows
	// the roles as stored rather than as asked.
	m, err := a.svc.Member(r.Context(), chat.User{ID: userID}, guildID, userID)
	if err != nil {
		return err
	}
	roles := m.Roles
	if roles == nil {
		roles = []int{}
	}
	writeJSON(w, http.StatusOK, struct {
		GuildID ID    `json:"guild_id"`
		UserID  ID    `json:"user_id"`
		Roles   []int `json:"roles"`
	}{ID(m.GuildID), ID(m.UserID), roles})
	return nil
}

func (a *API) createRole(w http.ResponseWriter, r *http.Request) error {
	guildID, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	var in struct {
		Name        string          `json:"name"`
		Permissions chat.Permission `json:"permissions"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	role, err := a.svc.CreateRole(r.Context(), guildID, in.Name, in.Permissions)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, struct {
		RoleID      int             `json:"role_id"`
		Name        string          `json:"name"`
		Permissions chat.Permission `json:"permissions"`
	}{role.ID, role.Name, role.Permissions})
	return nil
}

func (a *API) removeMember(w http.ResponseWriter, r *http.Request) error {
	guildID, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	userID, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	if err := a.svc.RemoveMember(r.Context(), guildID, userID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
