package request

import (
	"context"
	"errors"
	"net"
	"net/http"
	"syscall"
	"time"
)

// errPrivateAddress refuses a direct transfer to an address inside the
// network Vern runs in: the URL comes from the public.
var errPrivateAddress = errors.New("transfer address is not public")

// transferClient is the default client of direct transfers: 30 seconds,
// no redirects, and only public addresses, checked on the address actually
// dialled so that a name resolving to an internal host is refused too.
func transferClient() *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip := net.ParseIP(host)
		if ip == nil || !publicIP(ip) {
			return errPrivateAddress
		}
		return nil
	}}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// publicIP reports whether ip is a routable public address.
func publicIP(ip net.IP) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast())
}
