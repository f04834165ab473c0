package newsletter_test

import (
	"encoding/base64"

	"github.com/vernhq/vern/policy"
)

func base64Decode(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
func base64Encode(b []byte) string          { return base64.RawURLEncoding.EncodeToString(b) }

var noticeChange = &policy.Change{Significant: true, Summary: policy.Text{"nb": "Vi har endret erklæringen.", "en": "We changed the notice."}}
