// Package storetest is the conformance suite every vern.Store backend runs,
// so that SQLite and PostgreSQL behave the same for every stored behaviour.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/vernhq/vern"
)

// Opener returns a fresh, empty, migrated store for one test.
type Opener func(t *testing.T) vern.Store

// Run runs the whole suite against the stores that open returns.
func Run(t *testing.T, open Opener) {
	t.Run("Person", func(t *testing.T) { testPerson(t, open) })
	t.Run("Organization", func(t *testing.T) { testOrganization(t, open) })
	t.Run("Interaction", func(t *testing.T) { testInteraction(t, open) })
	t.Run("Policy", func(t *testing.T) { testPolicy(t, open) })
	t.Run("Token", func(t *testing.T) { testToken(t, open) })
	t.Run("Setting", func(t *testing.T) { testSetting(t, open) })
	t.Run("ChangeFeed", func(t *testing.T) { testChangeFeed(t, open) })
	t.Run("Consent", func(t *testing.T) { testConsent(t, open) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open) })
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, open) })
	t.Run("Checkpoint", func(t *testing.T) { testCheckpoint(t, open) })
	t.Run("Contract", func(t *testing.T) { testContract(t, open) })
	t.Run("Request", func(t *testing.T) { testRequest(t, open) })
	t.Run("Mail", func(t *testing.T) { testMail(t, open) })
	t.Run("Suppression", func(t *testing.T) { testSuppression(t, open) })
	t.Run("Disclosure", func(t *testing.T) { testDisclosure(t, open) })
	t.Run("Document", func(t *testing.T) { testDocument(t, open) })
	t.Run("Erasure", func(t *testing.T) { testErasure(t, open) })
	t.Run("Retention", func(t *testing.T) { testRetention(t, open) })
	t.Run("Stats", func(t *testing.T) { testStats(t, open) })
	t.Run("Visitor", func(t *testing.T) { testVisitor(t, open) })
	t.Run("Audience", func(t *testing.T) { testAudience(t, open) })
	t.Run("Newsletter", func(t *testing.T) { testNewsletter(t, open) })
	t.Run("Tx", func(t *testing.T) { testTx(t, open) })
	t.Run("ConcurrentTx", func(t *testing.T) { testConcurrentTx(t, open) })
}

// Nodes returns two stores on one fresh database, as two nodes (on SQLite,
// two processes) sharing it would see it.
type Nodes func(t *testing.T) (a, b vern.Store)

// RunNodes runs the behaviours that span nodes against the stores that
// nodes returns.
func RunNodes(t *testing.T, nodes Nodes) {
	t.Run("ChangeFeedAcrossNodes", func(t *testing.T) { testChangeFeedAcrossNodes(t, nodes) })
}

// epoch is a fixed, sub-second time, so the suite also checks that stores
// keep time to the microsecond.
var epoch = time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)

func ctx(t *testing.T) context.Context { return t.Context() }

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := vern.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func mustNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
