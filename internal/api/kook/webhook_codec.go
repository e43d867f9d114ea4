package kook

import (
	"bytes"
	"compress/zlib"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"

	"github.com/chatd/chatd/internal/chat"
)

// The webhook body, byte for byte as reference/kook.md §2 describes it:
// the frame JSON, encrypted when the bot has a key, then zlib-compressed
// unless the callback URL says compress=0.

// encodeWebhookBody turns a frame into the body POSTed to cfg.URL.
func encodeWebhookBody(frame []byte, cfg chat.Webhook) ([]byte, error) {
	body := frame
	if cfg.EncryptKey != "" {
		var err error
		if body, err = encryptWebhook(frame, cfg.EncryptKey); err != nil {
			return nil, err
		}
	}
	if !webhookCompressed(cfg.URL) {
		return body, nil
	}
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// webhookCompressed: bodies are compressed unless the URL's query has
// compress=0.
func webhookCompressed(raw string) bool {
	u, err := url.Parse(raw)
	return err != nil || u.Query().Get("compress") != "0"
}

// encryptWebhook is KOOK's PHP encrypter: IV = 16 ASCII hex characters;
// inner = base64 of AES-256-CBC with PKCS#7 padding, key NUL-padded to 32
// bytes; body = {"encrypt": base64(IV + inner)}.
func encryptWebhook(plain []byte, key string) ([]byte, error) {
	var k [32]byte
	copy(k[:], key) // the core keeps keys to at most 32 bytes
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	iv := []byte(hex.EncodeToString(raw[:])) // 16 ASCII characters
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	data := make([]byte, len(plain)+pad)
	copy(data, plain)
	for i := len(plain); i < len(data); i++ {
		data[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(data, data)
	inner := base64.StdEncoding.AppendEncode(iv, data)
	out := append([]byte(`{"encrypt":"`), base64.StdEncoding.AppendEncode(nil, inner)...)
	return append(out, `"}`...), nil
}

// newChallenge is a random challenge string.
func newChallenge() string { return rand.Text()[:16] }

func jsonMarshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
