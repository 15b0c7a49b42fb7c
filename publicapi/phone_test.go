package publicapi

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Phones are accepted as people write them and sent in E.164, by the same
// rule as embed.NormalizePhone and the tlpartner command.
func TestSendNormalizesPhones(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ok := jsonAnswer(200, `{"status":"ok","data":{"message_uid":"x"}}`)
	c, rec := newMockClient(t, answers{ok, ok, ok})
	from := "+44 20 7946.0958"
	for _, p := range []string{"+1 (415) 555-0100", "+1 415 555 0100", "\u00a0+1-415-555-0100\n"} {
		_, err := c.SendToPhone(ctx, p, SendParams{Text: Ptr("hi"), WhatsAppAccountPhone: &from})
		require.NoError(t, err, p)
	}
	assert.Equal(t, "+44 20 7946.0958", from, "the caller's value is not modified")
	_, err := c.SendToJID(ctx, "14155550100@s.whatsapp.net", SendParams{Text: Ptr("hi"), WhatsAppAccountPhone: Ptr("+44 (0)20")})
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "SendParams.WhatsAppAccountPhone", ve.Field)
	reqs := rec.requests()
	require.Len(t, reqs, 3)
	for _, r := range reqs {
		assert.JSONEq(t, `{"phone":"+14155550100","whatsapp_account_phone":"+442079460958","text":"hi"}`, r.Body)
	}
}
