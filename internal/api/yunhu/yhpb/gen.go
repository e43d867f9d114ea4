// Package yhpb is the Go code protoc-gen-go generates from yh.proto, the
// Yunhu client protocol. yh.pb.go is committed; CI never runs protoc.
package yhpb

// Reproduce yh.pb.go with protoc (apt-get install -y protobuf-compiler) and
// protoc-gen-go at the version of google.golang.org/protobuf in go.mod
// (go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12).
//go:generate protoc --go_out=. --go_opt=paths=source_relative yh.proto
