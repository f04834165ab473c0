package request

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The default transfer client refuses internal addresses, so a public
// request cannot make Vern post to its own network.
func TestTransferClientRefusesInternalAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, nil)
	_, err := transferClient().Do(req)
	if !errors.Is(err, errPrivateAddress) {
		t.Fatalf("post to %s: %v, want errPrivateAddress", srv.URL, err)
	}
	for ip, want := range map[string]bool{"10.1.2.3": false, "192.168.0.1": false, "169.254.169.254": false, "::1": false,
		"127.0.0.1": false, "93.184.216.34": true, "2001:4860:4860::8888": true} {
		if got := publicIP(net.ParseIP(ip)); got != want {
			t.Errorf("publicIP(%s) = %v, want %v", ip, got, want)
		}
	}
}
