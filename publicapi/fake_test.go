package publicapi_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// TestAgainstFake drives every endpoint of the client against the
// stateful fake in tlpartnertest, which implements the Public API from the
// same fact sheet but independently of this package.
func TestAgainstFake(t *testing.T) {
	t.Parallel()
	srv := tlpartnertest.New(t, tlpartnertest.Options{})
	partner, err := srv.Client()
	require.NoError(t, err)
	ctx := context.Background()
	ws, err := partner.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "acme-co", SeatsPurchased: 5})
	require.NoError(t, err)
	users, err := partner.CreateUsers(ctx, ws.ID, 1)
	require.NoError(t, err)
	qr, err := partner.GenerateQR(ctx, ws.ID, users.Users[0].ID, tlpartner.GenerateQRParams{})
	require.NoError(t, err)
	_, err = srv.SimulateScan(qr.URL, "+31612345678")
	require.NoError(t, err)

	pc, err := partner.PublicAPI(ctx, ws.ID)
	require.NoError(t, err)
	assert.Equal(t, srv.PublicAPIURL(), pc.BaseURL())

	// Sending and reading back.
	uid, err := pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("hello 👋"), Label: publicapi.Ptr("new")})
	require.NoError(t, err)
	msg, err := pc.GetMessage(ctx, uid)
	require.NoError(t, err)
	assert.Equal(t, uid, msg.UID)
	assert.Equal(t, "hello 👋", msg.Text)
	assert.True(t, msg.FromMe)
	assert.NotZero(t, msg.ChatID)
	assert.False(t, msg.Timestamp.IsZero())
	history, err := pc.GetMessageStatusHistory(ctx, uid)
	require.NoError(t, err)
	require.NotEmpty(t, history)
	assert.False(t, history[0].Timestamp.IsZero())

	chat, err := pc.GetChat(ctx, msg.ChatID)
	require.NoError(t, err)
	assert.Equal(t, msg.ChatID, chat.ID)
	assert.Contains(t, chat.Labels, "new")

	var listed []int64
	for c, err := range pc.ListChats(ctx, publicapi.ListChatsParams{Labels: []string{"new"}}) {
		require.NoError(t, err)
		listed = append(listed, c.ID)
	}
	assert.Equal(t, []int64{chat.ID}, listed)

	_, err = pc.SendToJID(ctx, "14155550100@s.whatsapp.net", publicapi.SendParams{Text: publicapi.Ptr("by JID")})
	require.NoError(t, err)
	_, err = pc.SendToChat(ctx, chat.ID, publicapi.SendParams{Text: publicapi.Ptr("in chat"), ReplyTo: publicapi.Ptr(uid)})
	require.NoError(t, err)
	noteUID, err := pc.AddNote(ctx, chat.ID, publicapi.NoteParams{Text: "called back"})
	require.NoError(t, err)
	assert.NotEmpty(t, noteUID)

	var uids []string
	for m, err := range pc.ListChatMessages(ctx, chat.ID, publicapi.ListChatMessagesParams{SortOrder: publicapi.Ptr(publicapi.SortAscending)}) {
		require.NoError(t, err)
		uids = append(uids, m.UID)
	}
	assert.GreaterOrEqual(t, len(uids), 3)
	assert.Equal(t, uid, uids[0])

	require.NoError(t, pc.SetReaction(ctx, uid, "👍🏽"))
	reactions, err := pc.GetReactions(ctx, uid)
	require.NoError(t, err)
	assert.Equal(t, 1, reactions.Counts["👍🏽"])
	require.NoError(t, pc.SetReaction(ctx, uid, ""))

	// Chats and labels.
	updated, err := pc.UpdateChat(ctx, chat.ID, publicapi.UpdateChatParams{Closed: publicapi.Ptr(true), Name: publicapi.Ptr("Jane (VIP)")})
	require.NoError(t, err)
	assert.True(t, updated.Closed)
	assert.Equal(t, "Jane (VIP)", updated.Name)
	labels, err := pc.AddLabels(ctx, chat.ID, []string{"vip"})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"new", "vip"}, labels)
	labels, err = pc.ListLabels(ctx, chat.ID)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"new", "vip"}, labels)
	labels, err = pc.ReplaceLabels(ctx, chat.ID, []string{"done"})
	require.NoError(t, err)
	assert.Equal(t, []string{"done"}, labels)

	// Files.
	content := bytes.Repeat([]byte("%PDF"), 1000)
	file, err := pc.UploadFile(ctx, "invoice.pdf", bytes.NewReader(content), publicapi.UploadFileParams{})
	require.NoError(t, err)
	assert.Equal(t, "invoice.pdf", file.Filename)
	assert.Equal(t, int64(len(content)), file.Size)
	got, err := pc.GetFile(ctx, file.UID)
	require.NoError(t, err)
	assert.NotEmpty(t, got.TemporaryDownloadURL)
	files, err := pc.ListFiles(ctx, publicapi.ListFilesParams{Filename: publicapi.Ptr(".pdf")})
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Equal(t, file.UID, files[0].UID)
	_, err = pc.SendToChat(ctx, chat.ID, publicapi.SendParams{FileUID: publicapi.Ptr(file.UID)})
	require.NoError(t, err)
	voice, err := pc.SendVoiceMessage(ctx, chat.ID, "note.ogg", bytes.NewReader([]byte("OggS voice")))
	require.NoError(t, err)
	assert.NotEmpty(t, voice)
	require.NoError(t, pc.DeleteFile(ctx, file.UID))
	_, err = pc.GetFile(ctx, file.UID)
	assert.ErrorIs(t, err, publicapi.ErrNotFound)

	// Webhooks.
	hook, err := pc.CreateWebhook(ctx, publicapi.CreateWebhookParams{EventType: "message:received:new", URL: "https://crm.example.com/hook"})
	require.NoError(t, err)
	assert.True(t, hook.Enabled)
	hook2, err := pc.UpdateWebhook(ctx, hook.ID, publicapi.UpdateWebhookParams{Enabled: publicapi.Ptr(false)})
	require.NoError(t, err)
	assert.False(t, hook2.Enabled)
	hooks, err := pc.ListWebhooks(ctx)
	require.NoError(t, err)
	require.Len(t, hooks, 1)
	got2, err := pc.GetWebhook(ctx, hook.ID)
	require.NoError(t, err)
	assert.Equal(t, *hook2, *got2)
	require.NoError(t, pc.DeleteWebhook(ctx, hook.ID))
	_, err = pc.GetWebhook(ctx, hook.ID)
	assert.ErrorIs(t, err, publicapi.ErrNotFound)

	// Workspace.
	accounts, err := pc.ListWhatsAppAccounts(ctx)
	require.NoError(t, err)
	require.Len(t, accounts, 1)
	assert.Equal(t, "+31612345678", accounts[0].Phone)
	w, err := pc.GetWorkspace(ctx)
	require.NoError(t, err)
	assert.Equal(t, ws.ID, w.ID)
	assert.Positive(t, w.MessagesQuota.Used)
	team, err := pc.ListTeammates(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, team)
	invited, err := pc.InviteTeammate(ctx, publicapi.InviteTeammateParams{Email: "jane@acme.example", Role: publicapi.Ptr(publicapi.RoleAgent)})
	require.NoError(t, err)
	assert.Equal(t, "jane@acme.example", invited.Email)
	require.NoError(t, pc.RevokeInvitation(ctx, invited.UserID))

	// A token rotated through the Partner API: the next call refreshes.
	_, err = partner.RotatePublicAPIToken(ctx, ws.ID)
	require.NoError(t, err)
	_, err = pc.GetChat(ctx, chat.ID)
	require.NoError(t, err)

	// A plain client with the old token does not refresh.
	stale, err := publicapi.NewClient("not-the-token", publicapi.WithBaseURL(srv.PublicAPIURL()))
	require.NoError(t, err)
	_, err = stale.GetChat(ctx, chat.ID)
	assert.True(t, errors.Is(err, publicapi.ErrUnauthorized), "%v", err)
}
