package chat

// Permission is a set of KOOK permission bits. Only the bits below are
// enforced by chatd; the others are stored and returned unchanged.
type Permission uint64

const (
	PermAdmin          Permission = 1 << 0  // every permission
	PermManageGuild    Permission = 1 << 1  // rename the guild
	PermManageChannels Permission = 1 << 5  // create, update, delete channels
	PermKickMembers    Permission = 1 << 6  // remove a member from the guild
	PermManageRoles    Permission = 1 << 10 // create roles, assign them
	PermViewChannels   Permission = 1 << 11 // see channels and read their messages
	PermSendMessages   Permission = 1 << 12 // send messages
	PermManageMessages Permission = 1 << 13 // delete others' messages and reactions, pin
	PermMentionAll     Permission = 1 << 17 // (met)all(met) and (met)here(met)
	PermAddReactions   Permission = 1 << 18 // add a new emoji to a message
)

// PermAll is what a guild owner holds.
const PermAll Permission = 1<<30 - 1

// DefaultEveryonePermissions is what the everyone role of a new guild grants.
const DefaultEveryonePermissions = PermViewChannels | PermSendMessages | PermAddReactions

// Has reports whether p includes every bit of want (administrators have all).
func (p Permission) Has(want Permission) bool {
	return p&PermAdmin != 0 || p&want == want
}

// memberPermissions folds the roles a member holds, the everyone role
// included, into one set. The owner holds everything.
func memberPermissions(g Guild, m Member, roles []Role) Permission {
	if m.UserID == g.OwnerID {
		return PermAll
	}
	held := make(map[int]bool, len(m.Roles)+1)
	held[EveryoneRoleID] = true
	for _, r := range m.Roles {
		held[r] = true
	}
	var p Permission
	for _, r := range roles {
		if held[r.ID] {
			p |= r.Permissions
		}
	}
	return p
}
