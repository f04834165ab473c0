package hashexport_test

import (
	"strings"
	"testing"

	"github.com/vernhq/vern/hashexport"
)

// Vectors from REFERENCE.md §8.1 (items 28-30 of §11).
func TestNormaliseAndHashVectors(t *testing.T) {
	tests := []struct {
		name, kind, in, norm, hash string
		gmailDots                  bool
	}{
		{"email trimmed and lowercased", "email", "  Ola.Nordmann@Example.COM ", "ola.nordmann@example.com", "9e0ca479728b20a2200f97f74b5c22165874d158edddb8585524606ace4b4918", false},
		{"gmail dots kept", "email", "Kari.Nordmann@Gmail.com", "kari.nordmann@gmail.com", "d84865635a130d02f19b9cdbc08402d51c91c2c1e111fcdc93bd91736533879d", false},
		{"gmail dots removed", "email", "Kari.Nordmann@Gmail.com", "karinordmann@gmail.com", "17b6e66c404ed3f0ec253609bcb23d8fe6dbbf726d926a9fda0b3492823afcde", true},
		{"plus tag kept", "email", "kari.nordmann+news@example.com", "kari.nordmann+news@example.com", "6a85fbe01d68b3ef6cdeed64d664fc4ef779aca0c61b7c8070c528ab41b3054b", false},
		{"tiktok published pair", "email", "janedoe@gmail.com", "janedoe@gmail.com", "d6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69", false},
		{"dots outside gmail kept", "email", "Ola.Nordmann@Example.COM", "ola.nordmann@example.com", "9e0ca479728b20a2200f97f74b5c22165874d158edddb8585524606ace4b4918", true},
		{"phone spaced", "phone", "+47 680 50 000", "+4768050000", "dc2ae0d526794ef517b7ded667a0366dd82ac8ed1d8addab8d357e9808f14941", false},
		{"phone national", "phone", "68050000", "+4768050000", "dc2ae0d526794ef517b7ded667a0366dd82ac8ed1d8addab8d357e9808f14941", false},
		{"phone 0047", "phone", "0047 68050000", "+4768050000", "dc2ae0d526794ef517b7ded667a0366dd82ac8ed1d8addab8d357e9808f14941", false},
		{"name trimmed", "name", " Ola ", "ola", "55a9f4f8994b1bbf2058ea38c8efb6c459000814d5f39c087002571639e6230e", false},
		{"name lowercased", "name", "Nordmann", "nordmann", "d0d65449ccc638b410234e3bd390f5cce1b7469c4427a9fe338497609336e742", false},
		{"name not transliterated", "name", "Øyvind", "øyvind", "dae83ad33b50f2c528932473e398ab774459b6ba3e1820c8da7631631c805911", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			ok := true
			switch tt.kind {
			case "email":
				got, ok = hashexport.NormalizeEmail(tt.in, tt.gmailDots)
			case "phone":
				got, ok = hashexport.NormalizePhone(tt.in)
			case "name":
				got = hashexport.NormalizeName(tt.in)
			}
			if !ok || got != tt.norm {
				t.Fatalf("normalise(%q) = %q, %v; want %q", tt.in, got, ok, tt.norm)
			}
			if h := hashexport.Hash(got); h != tt.hash {
				t.Errorf("Hash(%q) = %s, want %s", got, h, tt.hash)
			}
		})
	}
	// The wrong form (no +) hashes differently: E.164 must come first.
	if h := hashexport.Hash("4768050000"); h != "b41ab104d8907ce8744ca1e16996e1a880247d97f8e7302c6a0e59f76e7e9a81" {
		t.Errorf("Hash(4768050000) = %s", h)
	}
}

func TestHashRefusesEmpty(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Hash(\"\") did not panic; an empty field must never be hashed")
		}
	}()
	hashexport.Hash("")
}

func TestRows(t *testing.T) {
	const (
		emailHash = "9e0ca479728b20a2200f97f74b5c22165874d158edddb8585524606ace4b4918"
		phoneHash = "dc2ae0d526794ef517b7ded667a0366dd82ac8ed1d8addab8d357e9808f14941"
		olaHash   = "55a9f4f8994b1bbf2058ea38c8efb6c459000814d5f39c087002571639e6230e"
		nordHash  = "d0d65449ccc638b410234e3bd390f5cce1b7469c4427a9fe338497609336e742"
	)
	full := hashexport.Contact{Email: "  Ola.Nordmann@Example.COM ", Phone: "68050000", FirstName: " Ola ", LastName: "Nordmann", Country: "no", Zip: "0150"}
	noZip := full
	noZip.Zip = ""
	tests := []struct {
		name, format string
		c            hashexport.Contact
		want         string
		wantOK       bool
	}{
		{"google with address", hashexport.Google, full, emailHash + "," + phoneHash + "," + olaHash + "," + nordHash + ",NO,0150\r\n", true},
		{"google drops names without zip", hashexport.Google, noZip, emailHash + "," + phoneHash + ",,,,\r\n", true},
		{"google email only", hashexport.Google, hashexport.Contact{Email: "ola.nordmann@example.com"}, emailHash + ",,,,,\r\n", true},
		{"google phone only", hashexport.Google, hashexport.Contact{Phone: "+4768050000"}, "," + phoneHash + ",,,,\r\n", true},
		{"google bad email and no phone", hashexport.Google, hashexport.Contact{Email: "not an address", FirstName: "Ola"}, "", false},
		{"linkedin", hashexport.LinkedIn, full, emailHash + ",,,,,NO,\r\n", true},
		{"linkedin needs an email", hashexport.LinkedIn, hashexport.Contact{Phone: "+4768050000"}, "", false},
		{"csv keeps names without zip", hashexport.CSV, noZip, emailHash + "," + phoneHash + "," + olaHash + "," + nordHash + ",NO,\r\n", true},
		{"csv quotes an odd zip", hashexport.CSV, hashexport.Contact{Email: "ola.nordmann@example.com", Zip: `1,"2`}, emailHash + `,,,,,"1,""2"` + "\r\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := hashexport.New(tt.format, hashexport.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, ok := enc.AppendRow(nil, tt.c)
			if ok != tt.wantOK || string(got) != tt.want {
				t.Errorf("AppendRow = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
			if strings.Contains(string(got), "e3b0c442") {
				t.Errorf("row holds the hash of an empty field: %q", got)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	for format, want := range map[string]string{
		hashexport.Google:   "Email,Phone,First Name,Last Name,Country,Zip\r\n",
		hashexport.LinkedIn: "email,firstname,lastname,jobtitle,employeecompany,country,googleaid\r\n",
		hashexport.CSV:      "email_sha256,phone_sha256,first_name_sha256,last_name_sha256,country,zip\r\n",
	} {
		enc, err := hashexport.New(format, hashexport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(enc.Header()); got != want {
			t.Errorf("%s header = %q, want %q", format, got, want)
		}
		// Every row has as many fields as the header.
		row, _ := enc.AppendRow(nil, hashexport.Contact{Email: "a@example.com", Phone: "+4768050000", FirstName: "A", LastName: "B", Country: "NO", Zip: "0150"})
		if got, want := strings.Count(string(row), ","), strings.Count(want, ","); got != want {
			t.Errorf("%s row has %d commas, header %d", format, got, want)
		}
	}
	if _, err := hashexport.New("facebook", hashexport.Options{}); err == nil {
		t.Error("New(facebook) succeeded")
	}
}

func BenchmarkGoogleRow(b *testing.B) {
	enc, _ := hashexport.New(hashexport.Google, hashexport.Options{})
	c := hashexport.Contact{Email: "person-123456@example.test", Phone: "+4741234567", FirstName: "Kari", LastName: "Nordmann"}
	var buf []byte
	for b.Loop() {
		buf, _ = enc.AppendRow(buf[:0], c)
	}
}
