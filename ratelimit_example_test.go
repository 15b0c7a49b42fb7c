package tlpartner_test

import (
	"context"
	"fmt"
	"log"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// Bulk provisioning with a client-side rate limit. TimelinesAI allows
// tlpartner.ServerRateLimit requests per second per source IP, shared by
// every integration on that IP; 25 per second with a burst of 10 leaves
// headroom. Share the one client between all workers so they share the
// budget.
func ExampleWithRateLimit() {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{PartnerID: "example-partner"})
	defer srv.Close()

	// In production: tlpartner.NewClient(partnerID, partnerSecret, tlpartner.WithRateLimit(25, 10)).
	c, err := srv.Client(tlpartner.WithRateLimit(25, 10))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"acme-co", "globex", "initech"} {
		ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: name, SeatsPurchased: 2})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("created", ws.ID)
	}

	// Values that cannot pace anything are refused.
	_, err = tlpartner.NewClient("partner", "secret", tlpartner.WithRateLimit(0, 10))
	fmt.Println(err)
	// Output:
	// created acme-co
	// created globex
	// created initech
	// tlpartner: invalid WithRateLimit: perSecond must be a positive finite number
}
