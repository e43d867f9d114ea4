// Package realtime is chatd's protocol-neutral live-event layer: sessions,
// who sees which event, ordering, fan-out and resume buffers. Gateways
// (KOOK's WebSocket, Yunhu's push socket) frame what it hands them.
//
// Wiring (the core publishes to the hub; the hub asks the core about
// visibility and missing messages):
//
//	hub := realtime.NewHub(realtime.Options{Retention: 5 * time.Minute, QueueSize: 1024})
//	svc := chat.NewService(store, chat.WithPublisher(hub))
//	hub.Bind(svc)
//	defer hub.Close()
//
// A gateway connection:
//
//	sess, err := hub.Open(ctx, user)             // HELLO: new session; sess.ID() is its id
//	sess, err := hub.Resume(user, id, lastSN)    // RESUME: replays everything after lastSN, then live
//	for {
//		select {
//		case <-sess.Ready():
//			batch, err = sess.Take(batch[:0], 256) // deliveries in sn order, never blocks
//			// err != nil: the attachment ended (see Done)
//			// write each Delivery: encode *Event once per wire format, splice in SN
//		case <-sess.Done(): // overflowed, resumed elsewhere, closed: close the socket
//		}
//	}
//	sess.Detach() // the socket went away: the session lives on for a resume
//	sess.Close()  // the client said goodbye: the session ends now
//
// sess.Next(ctx) is the one-at-a-time form of Take. For a PING whose sn is
// behind, sess.Since(sn) returns the deliveries after sn again (or
// sess.Rewind(sn) makes Take return them again).
//
// Resume errors are distinct: ErrUnknownSession (no such session for this
// user), ErrSessionExpired (it ended or outlived the retention window
// detached), ErrInvalidSN (ahead of what was taken, or older than what is
// retained). KOOK maps them to 40106, 40107 and 40108.
//
// Guarantees:
//   - Events come only from Publish, which the core calls after commit.
//   - Per session, sn counts 1, 2, 3, ... without gaps in the order the
//     session received its deliveries; none is lost, duplicated or
//     reordered, across resumes too.
//   - Per chat, message-created events go out in seq order. Concurrent
//     sends commit together and publish in any order: a seq ahead of the
//     next expected one is delivered after the missing ones, which are taken
//     from the events published with it or read from the store (gap repair).
//     A late event of a seq already delivered is dropped. A chat first seen
//     starts after its newest message created before the hub was made.
//     Other events of a chat go out in Publish order, after the message
//     events already delivered.
//   - A session receives exactly the events of the chats its user may read
//     (chat.Service.CanView), decided per event: temporary messages reach
//     only their target, member-joined events the guild's members and the
//     joiner, and nothing more of a deleted channel after its delete event.
//     Audiences are cached per channel and recomputed after any change of
//     its guild the core publishes.
//   - Fan-out never blocks on a session. A connected session more than
//     QueueSize live deliveries behind has its attachment ended with
//     ErrOverflow (Done closes); its deliveries are still retained, so the
//     client can resume.
//
// Memory: deliveries are not copied per session. Each chat keeps one log of
// the events it fanned out for the retention window, and a session keeps
// runs of positions in those logs, usually one per chat it is reading, plus
// its read cursor; the distance between cursor and newest delivery is the
// send queue.
package realtime
