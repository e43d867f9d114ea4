package lanying

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/chatd/chatd/internal/chat"
)

func (a *API) createGroup(r *http.Request, c caller) (result, error) {
	var in struct {
		Name        string  `json:"name"`
		Description string  `json:"description"`
		Avatar      string  `json:"avatar"`
		Type        int32   `json:"type"`
		UserList    []int64 `json:"user_list"`
	}
	if err := decode(r, &in); err != nil {
		return result{}, err
	}
	if in.Type != 0 && in.Type != 2 {
		return result{}, badParam("type must be 0 (private) or 2 (chatroom)")
	}
	owner, err := c.user()
	if err != nil {
		return result{}, err
	}
	g, err := a.svc.CreateGroup(r.Context(), chat.NewGroup{Name: in.Name, OwnerID: owner.ID, MemberIDs: in.UserList,
		AppID: c.App.ID})
	if err != nil {
		return result{}, err
	}
	count := 1
	for _, id := range in.UserList {
		if id != owner.ID {
			count++
		}
	}
	return result{data: map[string]any{"group_id": g.ID, "owner_id": owner.ID, "name": g.Name, "type": in.Type,
		"description": in.Description, "avatar": in.Avatar, "status": 0, "capacity": chat.MaxGroupMembers, "count": count,
		"apply_approval": 0, "history_visible": true, "member_invite": true, "member_modify": false, "read_ack": false,
		"hide_member_info": false, "msg_push_mode": 0, "msg_mute_mode": 0, "ban_expire_time": 0, "ext": "",
		"created_at": g.CreatedAt.UnixMilli(), "updated_at": g.CreatedAt.UnixMilli()}}, nil
}

// groupErr reports a group the caller cannot see as Lanying's "group not
// found".
func groupErr(err error) error {
	if errors.Is(err, chat.ErrNotFound) {
		return fail(codeNoGroup, "group not found")
	}
	return err
}

func (a *API) invite(r *http.Request, c caller) (result, error) {
	var in struct {
		GroupID  int64   `json:"group_id"`
		UserList []int64 `json:"user_list"`
		Reason   string  `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return result{}, err
	}
	if in.GroupID <= 0 || len(in.UserList) == 0 {
		return result{}, badParam("group_id and user_list are required")
	}
	actor, err := c.user()
	if err != nil {
		return result{}, err
	}
	added, err := a.svc.AddGroupMembers(r.Context(), actor, in.GroupID, in.UserList)
	if err != nil {
		return result{}, groupErr(err)
	}
	type row struct {
		UserID int64  `json:"user_id"`
		Result string `json:"result"`
		Reason string `json:"reason,omitempty"`
	}
	out := make([]row, 0, len(in.UserList))
	for _, id := range in.UserList {
		if added[id] {
			out = append(out, row{UserID: id, Result: "success"})
		} else {
			out = append(out, row{UserID: id, Result: "fail", Reason: "no such user, or already a member"})
		}
	}
	return result{data: out}, nil
}

func (a *API) memberList(r *http.Request, c caller) (result, error) {
	groupID, err := queryID(r, "group_id", true)
	if err != nil {
		return result{}, err
	}
	limit := 1000
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return result{}, badParam("limit must be a positive integer")
		}
	}
	offset := 0
	if v := r.URL.Query().Get("cursor"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return result{}, badParam("cursor is not one this server returned")
		}
	}
	actor, err := c.user()
	if err != nil {
		return result{}, err
	}
	members, err := a.svc.GroupMembers(r.Context(), actor, groupID)
	if err != nil {
		return result{}, groupErr(err)
	}
	total := len(members)
	type row struct {
		UserID      int64  `json:"user_id"`
		DisplayName string `json:"display_name"`
		JoinTime    int64  `json:"join_time"`
		ExpiredTime int64  `json:"expired_time"`
	}
	out := []row{}
	for _, m := range members[min(offset, total):min(offset+limit, total)] {
		out = append(out, row{UserID: m.UserID, JoinTime: m.JoinedAt.UnixMilli()})
	}
	res := result{data: out, total: &total}
	if offset+limit < total {
		res.cursor = strconv.Itoa(offset + limit)
	}
	return res, nil
}

func (a *API) leave(r *http.Request, c caller) (result, error) {
	groupID, err := queryID(r, "group_id", true)
	if err != nil {
		return result{}, err
	}
	actor, err := c.user()
	if err != nil {
		return result{}, err
	}
	if err := a.svc.LeaveGroup(r.Context(), actor, groupID); err != nil {
		return result{}, groupErr(err)
	}
	return result{data: true}, nil
}
