package admin

import (
	"net/http"

	"github.com/chatd/chatd/internal/chat"
)

// createGroup creates a guild-less group chat: POST /groups
// {"name","owner_id","member_ids","admin_ids"} → {"id"}.
func (a *API) createGroup(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name      string `json:"name"`
		OwnerID   ID     `json:"owner_id"`
		MemberIDs []ID   `json:"member_ids"`
		AdminIDs  []ID   `json:"admin_ids"`
		AppID     ID     `json:"app_id"` // optional: the owner must belong to it
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	g := chat.NewGroup{Name: in.Name, OwnerID: int64(in.OwnerID), AppID: int64(in.AppID)}
	for _, id := range in.MemberIDs {
		g.MemberIDs = append(g.MemberIDs, int64(id))
	}
	for _, id := range in.AdminIDs {
		g.AdminIDs = append(g.AdminIDs, int64(id))
	}
	c, err := a.svc.CreateGroup(r.Context(), g)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, struct {
		ID ID `json:"id"`
	}{ID(c.ID)})
	return nil
}
