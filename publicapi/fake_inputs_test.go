package publicapi_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// fakeWorkspace creates a workspace on a new fake with one connected
// WhatsApp account per phone (the last one connected most recently) and
// returns its Public API client.
func fakeWorkspace(t *testing.T, phones ...string) *publicapi.Client {
	t.Helper()
	srv := tlpartnertest.New(t, tlpartnertest.Options{})
	partner, err := srv.Client()
	require.NoError(t, err)
	ctx := context.Background()
	ws, err := partner.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "inputs", SeatsPurchased: 5})
	require.NoError(t, err)
	users, err := partner.CreateUsers(ctx, ws.ID, len(phones))
	require.NoError(t, err)
	for i, phone := range phones {
		qr, err := partner.GenerateQR(ctx, ws.ID, users.Users[i].ID, tlpartner.GenerateQRParams{})
		require.NoError(t, err)
		_, err = srv.SimulateScan(qr.URL, phone)
		require.NoError(t, err)
		srv.Advance(time.Second) // connection times differ
	}
	pc, err := partner.PublicAPI(ctx, ws.ID)
	require.NoError(t, err)
	return pc
}

// TestFakeChatName: a send that creates a chat names it SendParams.ChatName;
// a send in an existing chat leaves its name alone.
func TestFakeChatName(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pc := fakeWorkspace(t, "+31612345678")

	uid, err := pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("hello"), ChatName: publicapi.Ptr("Jane Roe (Acme)")})
	require.NoError(t, err)
	msg, err := pc.GetMessage(ctx, uid)
	require.NoError(t, err)
	chat, err := pc.GetChat(ctx, msg.ChatID)
	require.NoError(t, err)
	assert.Equal(t, "Jane Roe (Acme)", chat.Name)

	uid, err = pc.SendToJID(ctx, "14155550101@s.whatsapp.net", publicapi.SendParams{Text: publicapi.Ptr("hello"), ChatName: publicapi.Ptr("John (by JID)")})
	require.NoError(t, err)
	msg, err = pc.GetMessage(ctx, uid)
	require.NoError(t, err)
	byJID, err := pc.GetChat(ctx, msg.ChatID)
	require.NoError(t, err)
	assert.Equal(t, "John (by JID)", byJID.Name)

	// Without ChatName the fake names a new chat after the phone.
	uid, err = pc.SendToPhone(ctx, "+14155550102", publicapi.SendParams{Text: publicapi.Ptr("hello")})
	require.NoError(t, err)
	msg, err = pc.GetMessage(ctx, uid)
	require.NoError(t, err)
	plain, err := pc.GetChat(ctx, msg.ChatID)
	require.NoError(t, err)
	assert.Equal(t, "+14155550102", plain.Name)

	// An existing chat keeps its name, and a taken name is refused.
	_, err = pc.SendToChat(ctx, chat.ID, publicapi.SendParams{Text: publicapi.Ptr("again"), ChatName: publicapi.Ptr("Other")})
	require.NoError(t, err)
	again, err := pc.GetChat(ctx, chat.ID)
	require.NoError(t, err)
	assert.Equal(t, "Jane Roe (Acme)", again.Name)
	_, err = pc.SendToPhone(ctx, "+14155550103", publicapi.SendParams{Text: publicapi.Ptr("hi"), ChatName: publicapi.Ptr("Jane Roe (Acme)")})
	var apiErr *publicapi.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 409, apiErr.StatusCode)
}

// TestFakeUploadContentType: UploadFileParams.ContentType is the stored
// file's MIME type, whatever the extension says.
func TestFakeUploadContentType(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pc := fakeWorkspace(t, "+31612345678")
	content := []byte("\x00\x01binary scan\x02")

	f, err := pc.UploadFile(ctx, "scan.bin", bytes.NewReader(content), publicapi.UploadFileParams{ContentType: publicapi.Ptr("application/pdf")})
	require.NoError(t, err)
	assert.Equal(t, "application/pdf", f.MIMEType)
	got, err := pc.GetFile(ctx, f.UID)
	require.NoError(t, err)
	assert.Equal(t, "application/pdf", got.MIMEType)
	resp, err := http.Get(got.TemporaryDownloadURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	assert.Equal(t, content, body)

	// Without it the type follows the extension.
	f, err = pc.UploadFile(ctx, "scan.bin", bytes.NewReader(content), publicapi.UploadFileParams{})
	require.NoError(t, err)
	assert.Equal(t, "application/octet-stream", f.MIMEType)
	f, err = pc.UploadFile(ctx, "photo.png", bytes.NewReader(content), publicapi.UploadFileParams{})
	require.NoError(t, err)
	assert.Equal(t, "image/png", f.MIMEType)
}

// TestFakeSenderByAccountID: SendParams.WhatsAppAccountID sends from that
// account rather than the most recently connected one; an ID the
// workspace does not have is refused by the fake with its error envelope.
func TestFakeSenderByAccountID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pc := fakeWorkspace(t, "+31611111111", "+31622222222")
	accounts, err := pc.ListWhatsAppAccounts(ctx)
	require.NoError(t, err)
	ids := map[string]string{}
	for _, a := range accounts {
		ids[a.Phone] = a.ID
	}
	first := ids["+31611111111"]
	require.NotEmpty(t, first)
	require.NotEmpty(t, ids["+31622222222"])

	chatOf := func(uid string) *publicapi.Chat {
		t.Helper()
		msg, err := pc.GetMessage(ctx, uid)
		require.NoError(t, err)
		chat, err := pc.GetChat(ctx, msg.ChatID)
		require.NoError(t, err)
		return chat
	}
	// By default the most recently connected account sends.
	uid, err := pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("default")})
	require.NoError(t, err)
	assert.Equal(t, ids["+31622222222"], chatOf(uid).WhatsAppAccountID)

	uid, err = pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("by ID"), WhatsAppAccountID: publicapi.Ptr(first)})
	require.NoError(t, err)
	byPhone := chatOf(uid)
	assert.Equal(t, first, byPhone.WhatsAppAccountID)
	msg, err := pc.GetMessage(ctx, uid)
	require.NoError(t, err)
	assert.Equal(t, "+31611111111", msg.SenderPhone)

	uid, err = pc.SendToJID(ctx, "14155550101@s.whatsapp.net", publicapi.SendParams{Text: publicapi.Ptr("by ID"), WhatsAppAccountID: publicapi.Ptr(first)})
	require.NoError(t, err)
	assert.Equal(t, first, chatOf(uid).WhatsAppAccountID)

	_, err = pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("x"), WhatsAppAccountID: publicapi.Ptr("4400000000@s.whatsapp.net")})
	var apiErr *publicapi.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.StatusCode)
	assert.ErrorIs(t, err, publicapi.ErrInvalidRequest)
	require.Len(t, apiErr.Fields, 1)
	assert.Equal(t, []string{"whatsapp_account_id"}, apiErr.Fields[0].Fields)
}
