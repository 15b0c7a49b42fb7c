package tlredis

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestDereferencedTokenCacheHidesKey: fmt follows one pointer of a value
// printed with a verb it cannot apply (%s, %q, %x), so before, a
// dereferenced TokenCache printed the AES key schedule (as good as the
// key). The AEAD now sits one more pointer away.
func TestDereferencedTokenCacheHidesKey(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	c, err := NewTokenCache(rdb, []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		// The copy goes through reflect: go vet refuses a direct *c,
		// which copies a mutex, but a program may still print one.
		value := reflect.ValueOf(c).Elem().Interface()
		for _, s := range []string{fmt.Sprintf(verb, value), fmt.Sprintf(verb, c)} {
			if strings.Contains(s, "GCM") || strings.Contains(s, "aes") || len(s) > 2000 {
				t.Errorf("%s shows the cipher's state: %.300s", verb, s)
			}
		}
	}
}
