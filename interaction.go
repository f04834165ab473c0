package vern

import (
	"context"
	"time"
)

// Interaction kinds (S4: feedback, comments and questions from meetings,
// calls, emails and documents, plus staff notes).
const (
	KindFeedback = "feedback"
	KindComment  = "comment"
	KindQuestion = "question"
	KindNote     = "note"
)

// InteractionKinds lists every valid interaction kind.
var InteractionKinds = []string{KindFeedback, KindComment, KindQuestion, KindNote}

// Interaction is one exchange with a person. Its text is personal data and
// is stored sealed with the person's data key.
type Interaction struct {
	ID        string    `json:"id"`
	PersonID  string    `json:"person_id"`
	Channel   string    `json:"channel"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// InteractionInput is what a caller supplies to record an interaction.
type InteractionInput struct {
	Channel string `json:"channel"`
	Kind    string `json:"kind"`
	Text    string `json:"text"`
}

// MaxInteractionText bounds an interaction's text, in bytes.
const MaxInteractionText = 64 << 10

// SealedInteraction is an interaction as stored.
type SealedInteraction struct {
	ID         string
	PersonID   string
	Channel    string
	Kind       string
	SealedText []byte
	CreatedAt  time.Time
}

// InteractionStore persists interactions.
type InteractionStore interface {
	// CreateInteraction inserts i. Returns ENOTFOUND when the person does not exist.
	CreateInteraction(ctx context.Context, i *SealedInteraction) error
	// FindInteractions returns a person's interactions, oldest first.
	FindInteractions(ctx context.Context, personID string) ([]*SealedInteraction, error)
	// DeleteInteractions deletes a person's interactions and returns how
	// many there were.
	DeleteInteractions(ctx context.Context, personID string) (int, error)
}
