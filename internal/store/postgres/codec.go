package postgres

import (
	"github.com/chatd/chatd/internal/chat"

	"github.com/jackc/pgx/v5/pgtype"
)

func pgUUID(u chat.UUID) pgtype.UUID { return pgtype.UUID{Bytes: u, Valid: true} }
