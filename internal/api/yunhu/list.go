package yunhu

import (
	"net/http"
	"slices"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/chat"

	"google.golang.org/protobuf/proto"
)

// Page sizes of the list endpoints. Yunhu's own pages hold about 30; any
// depth of history pages, with no "only the last 30" fallback.
const (
	defaultCount = 30
	maxCount     = chat.MaxPageSize - 1 // list-message-by-mid-seq adds the anchor
)

func count(n int64) (int, error) {
	switch {
	case n == 0:
		return defaultCount, nil
	case n < 0 || n > maxCount:
		return 0, &chat.FieldError{Field: "msg_count", Reason: "must be between 1 and 99"}
	}
	return int(n), nil
}

// listBySeq lists the messages after seq msg_start (without it), oldest
// first, recalled ones in their slot.
func (a *API) listBySeq(r *http.Request, caller chat.User, msg proto.Message) (withStatus, error) {
	req := msg.(*yhpb.ListMsgBySeqRequest)
	c, err := a.resolveChat(r.Context(), caller, req.ChatType, req.ChatId)
	if err != nil {
		return nil, err
	}
	if req.MsgStart > 1<<62 {
		return nil, &chat.FieldError{Field: "msg_start", Reason: "out of range"}
	}
	vs, err := a.svc.ListMessages(r.Context(), caller, chat.ListQuery{ChatID: c.ID, Mode: chat.ListAfter, BySeq: true,
		AnchorSeq: int64(req.MsgStart), Limit: defaultCount, WithRecalled: true})
	if err != nil {
		return nil, err
	}
	return listOf(caller, vs), nil
}

// listMessage lists the msg_count messages before msg_id (without it), or
// the newest when msg_id is empty.
func (a *API) listMessage(r *http.Request, caller chat.User, msg proto.Message) (withStatus, error) {
	req := msg.(*yhpb.ListMsgRequest)
	n, err := count(int64(req.MsgCount))
	if err != nil {
		return nil, err
	}
	q := chat.ListQuery{Mode: chat.ListLatest, Limit: n, WithRecalled: true}
	if req.MsgId != "" {
		if q.Anchor, err = parseMsgID("msg_id", req.MsgId); err != nil {
			return nil, err
		}
		q.Mode = chat.ListBefore
	}
	c, err := a.resolveChat(r.Context(), caller, req.ChatType, req.ChatId)
	if err != nil {
		return nil, err
	}
	q.ChatID = c.ID
	vs, err := a.svc.ListMessages(r.Context(), caller, q)
	if err != nil {
		return nil, err
	}
	return listOf(caller, vs), nil
}

// listByMidSeq lists the anchor (msg_id, else seq msg_seq) and the
// msg_count messages before it: N+1 messages.
func (a *API) listByMidSeq(r *http.Request, caller chat.User, msg proto.Message) (withStatus, error) {
	req := msg.(*yhpb.ListMsgByMidSeqRequest)
	n, err := count(int64(req.MsgCount))
	if err != nil {
		return nil, err
	}
	q := chat.ListQuery{Mode: chat.ListBefore, Limit: n, IncludeAnchor: true, WithRecalled: true}
	switch {
	case req.MsgId != "":
		if q.Anchor, err = parseMsgID("msg_id", req.MsgId); err != nil {
			return nil, err
		}
	case req.MsgSeq > 0 && req.MsgSeq < 1<<62:
		// seq+1 as a bare seq: the page ends with the message at msg_seq.
		q.BySeq, q.AnchorSeq = true, int64(req.MsgSeq)+1
		q.Limit = n + 1
	default:
		q = chat.ListQuery{Mode: chat.ListLatest, Limit: n + 1, WithRecalled: true}
	}
	c, err := a.resolveChat(r.Context(), caller, req.ChatType, req.ChatId)
	if err != nil {
		return nil, err
	}
	q.ChatID = c.ID
	vs, err := a.svc.ListMessages(r.Context(), caller, q)
	if err != nil {
		return nil, err
	}
	return listOf(caller, vs), nil
}

// picList lists the image messages around an image: earlier_quantities
// before it, the image, latest_quantities after it. image_id is the image
// message's numeric id.
func (a *API) picList(r *http.Request, caller chat.User, msg proto.Message) (withStatus, error) {
	req := msg.(*yhpb.PicListMsgByMidSeqRequest)
	if req.ImageId == 0 || req.ImageId >= 1<<63 {
		return nil, &chat.FieldError{Field: "image_id", Reason: "required"}
	}
	if req.EarlierQuantities > maxCount || req.LatestQuantities > maxCount {
		return nil, &chat.FieldError{Field: "earlier_quantities", Reason: "at most 99 images on each side"}
	}
	before, after := int(req.EarlierQuantities), int(req.LatestQuantities)
	c, err := a.resolveChat(r.Context(), caller, req.ChatType, req.ChatId)
	if err != nil {
		return nil, err
	}
	q := chat.ListQuery{ChatID: c.ID, AnchorID: int64(req.ImageId), IncludeAnchor: true, Type: chat.TypeImage}
	var page []chat.MessageView
	if before > 0 {
		q.Mode, q.Limit = chat.ListBefore, before
		if page, err = a.svc.ListMessages(r.Context(), caller, q); err != nil {
			return nil, err
		}
		q.IncludeAnchor = false
	}
	q.Mode, q.Limit = chat.ListAfter, max(after, 1)
	newer, err := a.svc.ListMessages(r.Context(), caller, q)
	if err != nil {
		return nil, err
	}
	if after == 0 { // the one newer image only served to fetch the anchor
		newer = slices.DeleteFunc(newer, func(v chat.MessageView) bool { return v.Message.ID != int64(req.ImageId) })
	}
	return listOf(caller, append(page, newer...)), nil
}
