package vern

import (
	"context"
	"time"
)

// Request kinds: the data-subject rights of GDPR Art. 15-21 and Art. 77
// that a person can exercise through Vern (S12, S14).
const (
	RequestAccess        = "access"
	RequestRectification = "rectification"
	RequestErasure       = "erasure"
	RequestRestriction   = "restriction"
	RequestObjection     = "objection"
	RequestPortability   = "portability"
	RequestWithdrawal    = "withdrawal"
	RequestComplaint     = "complaint"
)

// RequestKinds lists every request kind.
var RequestKinds = []string{RequestAccess, RequestRectification, RequestErasure, RequestRestriction,
	RequestObjection, RequestPortability, RequestWithdrawal, RequestComplaint}

// ValidRequestKind reports whether k is a request kind.
func ValidRequestKind(k string) bool {
	for _, v := range RequestKinds {
		if v == k {
			return true
		}
	}
	return false
}

// Request statuses. A request moves forward only:
//
//	received → verified → in_progress ⇄ waiting → completed
//	any open status → rejected
const (
	StatusReceived   = "received"
	StatusVerified   = "verified"
	StatusInProgress = "in_progress"
	StatusWaiting    = "waiting"
	StatusCompleted  = "completed"
	StatusRejected   = "rejected"
)

// RequestStatuses lists every status in workflow order.
var RequestStatuses = []string{StatusReceived, StatusVerified, StatusInProgress, StatusWaiting, StatusCompleted, StatusRejected}

// ValidRequestStatus reports whether s is a request status.
func ValidRequestStatus(s string) bool {
	for _, v := range RequestStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// requestMoves lists the statuses each status may move to.
var requestMoves = map[string][]string{
	StatusReceived:   {StatusVerified, StatusRejected},
	StatusVerified:   {StatusInProgress, StatusWaiting, StatusCompleted, StatusRejected},
	StatusInProgress: {StatusWaiting, StatusCompleted, StatusRejected},
	StatusWaiting:    {StatusInProgress, StatusCompleted, StatusRejected},
}

// CanMoveRequest reports whether a request may move from one status to
// another.
func CanMoveRequest(from, to string) bool {
	for _, s := range requestMoves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// RequestOpen reports whether a request in status s still needs an answer.
func RequestOpen(s string) bool { return s != StatusCompleted && s != StatusRejected }

// Request is a data-subject request as the services and the API see it.
type Request struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
	// PersonID is the person the request is about, once known: set when
	// the verified email matches a person, or by staff.
	PersonID string `json:"person_id,omitempty"`
	// Email is the address the request came from and is answered to.
	Email    string `json:"email"`
	Language string `json:"language"`
	// Channel is "public" for the privacy centre and "staff" for requests
	// staff opened.
	Channel string         `json:"channel"`
	Details RequestDetails `json:"details"`
	// Verification is "email" for a verified email round-trip, "staff"
	// when staff skipped it (see SkipReason), or "" while unverified.
	Verification string     `json:"verification,omitempty"`
	SkipReason   string     `json:"skip_reason,omitempty"`
	VerifiedAt   *time.Time `json:"verified_at,omitempty"`
	ReceivedAt   time.Time  `json:"received_at"`
	// FirstDueOn is the one-month deadline; DueOn is the deadline in
	// force, later than FirstDueOn once extended. Dates are YYYY-MM-DD in
	// Norwegian time.
	FirstDueOn      string     `json:"first_due_on"`
	DueOn           string     `json:"due_on"`
	ExtendedAt      *time.Time `json:"extended_at,omitempty"`
	ExtensionReason string     `json:"extension_reason,omitempty"`
	ClosedAt        *time.Time `json:"closed_at,omitempty"`
	// Resolution is the answer given on completion or the reason for a
	// rejection.
	Resolution string `json:"resolution,omitempty"`
	// Shredded is set when the person was erased after the request was
	// closed: its email, details and answer were destroyed with them.
	Shredded bool `json:"shredded,omitempty"`
	// Result is what fulfilment did: what was erased, what was kept and
	// why, which recipients were notified.
	Result *RequestResult `json:"result,omitempty"`
	// RemindedOn is the day staff were last reminded of the deadline.
	RemindedOn string    `json:"reminded_on,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Overdue reports whether the request is open past its deadline on the
// given day (YYYY-MM-DD).
func (r *Request) Overdue(today string) bool { return RequestOpen(r.Status) && r.DueOn < today }

// RequestDetails carries what a request of each kind needs. Only the
// fields of the request's kind are set.
type RequestDetails struct {
	// Rectification: the corrected fields.
	Changes *PersonUpdate `json:"changes,omitempty"`
	// Objection: a purpose key or an objection scope.
	Scope string `json:"scope,omitempty"`
	// Withdrawal: the purpose whose consent is withdrawn; "" for all.
	Purpose string `json:"purpose,omitempty"`
	// Restriction: the Art. 18(1) ground, such as "accuracy".
	Ground string `json:"ground,omitempty"`
	// Portability: an HTTPS endpoint of another controller to send the
	// package to directly (Art. 20(2)); "" to download it.
	TransferURL string `json:"transfer_url,omitempty"`
	// Message is the person's own words: the complaint, or what they want.
	Message string `json:"message,omitempty"`
	// VisitorID is the cookie-banner visitor id of the browser the request
	// came from (window.VernConsent.visitorId()), if the form sent it: once
	// the email is verified, that visitor's cookie choices are linked to
	// the person.
	VisitorID string `json:"visitor_id,omitempty"`
}

// RequestResult records what fulfilment did.
type RequestResult struct {
	// Erased lists what was erased, by data category or record kind.
	Erased []string `json:"erased,omitempty"`
	// Kept lists what was kept and why (Art. 17(3)).
	Kept []KeptData `json:"kept,omitempty"`
	// Rectified lists the corrected fields with their old and new values.
	Rectified []Rectified `json:"rectified,omitempty"`
	// Notified lists the recipients told of the change (Art. 19).
	Notified []string `json:"notified,omitempty"`
	// Transfer is the outcome of a direct transfer, such as "delivered" or
	// "failed: http 503".
	Transfer string `json:"transfer,omitempty"`
	// PackageURL is a signed, expiring link to the access package.
	PackageExpiresAt *time.Time `json:"package_expires_at,omitempty"`
	// NoData is true when Vern holds nothing on the requester.
	NoData bool `json:"no_data,omitempty"`
}

// Rectified is one corrected field (Art. 16): it is kept, sealed, in the
// request, never in logs or the access trail.
type Rectified struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// KeptData is data kept despite an erasure request, and why.
type KeptData struct {
	What   string `json:"what"`
	Reason string `json:"reason"`
	Law    string `json:"law,omitempty"`
	Until  string `json:"until"`
}

// RequestPersonal is the part of a request that is personal data, stored
// sealed with the request's own data key.
type RequestPersonal struct {
	Email      string         `json:"e"`
	Details    RequestDetails `json:"d"`
	SkipReason string         `json:"s,omitempty"`
	Resolution string         `json:"r,omitempty"`
	Extension  string         `json:"x,omitempty"`
	Result     *RequestResult `json:"o,omitempty"`
}

// SealedRequest is a request as stored.
type SealedRequest struct {
	ID         string
	Kind       string
	Status     string
	PersonID   string // "" while unknown
	EmailIndex []byte // keyed hash of the normalised email
	WrappedKey []byte
	Sealed     []byte
	Language   string
	Channel    string
	// CodeHash is a keyed hash of the verification code; nil once used.
	CodeHash      []byte
	CodeExpiresAt *time.Time
	CodeAttempts  int
	Verification  string
	VerifiedAt    *time.Time
	ReceivedAt    time.Time
	FirstDueOn    string
	DueOn         string
	ExtendedAt    *time.Time
	ClosedAt      *time.Time
	RemindedOn    string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// RequestEvent is one entry of a request's history: a status change or a
// step done. Note never holds personal data.
type RequestEvent struct {
	ID        string    `json:"id"`
	RequestID string    `json:"request_id"`
	From      string    `json:"from,omitempty"`
	To        string    `json:"to"`
	Actor     string    `json:"actor"`
	Note      string    `json:"note,omitempty"`
	At        time.Time `json:"at"`
}

// RequestFilter selects requests to list. Results are ordered by DueOn,
// then ID, so overdue requests come first.
type RequestFilter struct {
	Statuses []string // empty: any
	Kind     string   // "": any
	PersonID string   // "": any
	// DueBefore keeps requests due before this day (YYYY-MM-DD), if set.
	DueBefore string
	// After continues a listing after this (DueOn, ID) position.
	AfterDueOn string
	AfterID    string
	Limit      int
}

// RequestStore persists requests, their history and the steps done.
type RequestStore interface {
	// CreateRequest stores r. Returns ECONFLICT when the id is taken.
	CreateRequest(ctx context.Context, r *SealedRequest) error
	// FindRequest returns ENOTFOUND when there is no such request.
	FindRequest(ctx context.Context, id string) (*SealedRequest, error)
	// FindRequestForUpdate is FindRequest that, inside InTx, keeps other
	// transactions from changing the request until commit.
	FindRequestForUpdate(ctx context.Context, id string) (*SealedRequest, error)
	// UpdateRequest replaces every stored field of r but its id, kind,
	// wrapped key and creation time. Returns ENOTFOUND.
	UpdateRequest(ctx context.Context, r *SealedRequest) error
	// ListRequests returns up to f.Limit requests matching f, by DueOn
	// then ID.
	ListRequests(ctx context.Context, f RequestFilter) ([]*SealedRequest, error)
	// CountRequestsByEmailSince counts the requests received from an
	// email index at or after since.
	CountRequestsByEmailSince(ctx context.Context, emailIndex []byte, since time.Time) (int, error)
	// AppendRequestEvent stores e.
	AppendRequestEvent(ctx context.Context, e *RequestEvent) error
	// FindRequestEvents returns a request's history, oldest first.
	FindRequestEvents(ctx context.Context, requestID string) ([]*RequestEvent, error)
	// MarkRequestStep records that step of a request is done, with a
	// result that may be nil. Returns ECONFLICT when it was already marked:
	// done in the same transaction as its effect, this is what keeps a
	// resumed request from doing a step twice.
	MarkRequestStep(ctx context.Context, requestID, step string, at time.Time, result []byte) error
	// ShredRequestsOfPeople destroys the key, sealed content and email
	// index of the people's closed requests other than exceptID, keeping
	// their kind, status, dates and history as the record that they were
	// answered, and returns how many it shredded.
	ShredRequestsOfPeople(ctx context.Context, personIDs []string, exceptID string) (int, error)
	// FindRequestSteps returns the steps done, keyed by step name, with
	// their results.
	FindRequestSteps(ctx context.Context, requestID string) (map[string][]byte, error)
}
