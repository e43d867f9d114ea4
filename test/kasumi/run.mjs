// Drives chatd with the real kasumi.js client (npm kasumi.js, pinned in
// package.json). internal/api/kook/kasumi_test.go runs it:
//
//   CHATD_URL=http://127.0.0.1:PORT TOKEN=<bot A> PEER_ID=<bot B's id> node run.mjs
//
// It connects bot A the way every kasumi bot does (user/me, user/offline,
// gateway/index?compress=0, then the WebSocket), prints "READY <session>"
// once HELLO arrived, waits for a text message from bot B, replies to it
// with message/create (kasumi checks the echoed nonce) quoting it, prints
// "REPLIED <msg_id> <quoted msg_id>" and exits 0. Any failure exits 1.
import * as kasumiModule from "kasumi.js";

const Kasumi = kasumiModule.Kasumi ?? kasumiModule.default?.default ?? kasumiModule.default;
const { CHATD_URL, TOKEN, PEER_ID } = process.env;
if (!CHATD_URL || !TOKEN || !PEER_ID) {
  console.error("run.mjs: CHATD_URL, TOKEN and PEER_ID are required");
  process.exit(2);
}

const fail = (why) => {
  console.error("FAIL " + why);
  process.exit(1);
};
setTimeout(() => fail("timed out"), 60_000).unref();

const client = new Kasumi(
  { type: "websocket", vendor: "hexona", token: TOKEN, customEnpoint: `${CHATD_URL}/api/v3` },
  false,
  false,
);

client.on("connect.websocket", (ev) => console.log(`READY ${ev.sessionId}`));

client.on("message.text", async (ev) => {
  if (ev.authorId !== PEER_ID) return;
  const res = await client.API.message.create(1, ev.channelId, `pong: ${ev.content}`, ev.messageId);
  if (res.err) fail("message.create: " + res.err);
  console.log(`REPLIED ${res.data.msg_id} ${ev.messageId}`);
  setTimeout(() => process.exit(0), 100);
});

try {
  await client.connect();
} catch (e) {
  fail("connect: " + e);
}
