package web

import (
	"context"

	"github.com/vernhq/vern/audit"
)

// Field names recorded in the access trail for each kind of access.
var (
	personFields      = []string{"first_name", "last_name", "email", "phone", "language", "organization"}
	interactionFields = []string{"interactions"}
	consentFields     = []string{"consents"}
)

// recordAccess puts an access to a person's data in the trail: who, what,
// when and which person, never the data itself. It runs after the service
// call succeeded, so refused requests leave no trail entry.
func (s *Server) recordAccess(ctx context.Context, personID, action, operation string, fields []string) {
	if s.Audit == nil || personID == "" {
		return
	}
	s.Audit.Record(audit.Access{
		PersonID: personID, Actor: actorOf(ctx), Action: action, Operation: operation,
		RequestID: requestID(ctx), Fields: fields,
	})
}
