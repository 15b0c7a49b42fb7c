package publicapi

import (
	"context"
	"io"
	"net/http"

	"github.com/tlpartner/tlpartner-go/internal/engine"
	"github.com/tlpartner/tlpartner-go/internal/publicwire"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// upload streams r as the file part (of type partType, or guessed from
// filename when "") of a multipart request built by build.
func (c *Client) upload(ctx context.Context, op engine.Op, fields [][2]string, filename, partType string, r io.Reader,
	build func(contentType string) (*http.Request, error)) ([]byte, error) {
	if err := checkFilename("filename", filename); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, invalid("r", "must not be nil")
	}
	if err := c.ready(); err != nil {
		return nil, err
	}
	mb, err := newMultipartBody(fields, "file", filename, partType, r)
	var req *http.Request
	if err == nil {
		req, err = build(mb.contentType)
	}
	if err == nil {
		err = mb.attach(req)
	}
	return c.send(ctx, op, req, err)
}

// UploadFile uploads the contents of r under filename and returns the
// stored file; send it with [SendParams.FileUID]. The body is streamed
// from r to the connection, so a file of any size (the server accepts
// documents up to 100 MB and media up to 16 MB) costs constant memory.
//
// p.ContentType sets the file's media type: it is sent as the
// content_type form field and as the file part's Content-Type. Without it
// only the part's Content-Type is sent, guessed from the filename's
// extension (application/octet-stream when unknown), so a PDF named
// "scan.bin" needs p.ContentType to be stored as application/pdf.
//
// Retries: when r is an io.Seeker (an *os.File, a *bytes.Reader) the
// upload is retried after a 429 or a failed dial (and once after a 401
// with a token source), rewinding r to where it was, and Content-Length is
// sent. Any other reader is read once: the upload is attempted exactly
// once, with chunked transfer encoding. The caller keeps ownership of r
// and closes it.
//
// API: POST /files_upload (multipart/form-data: filename, content_type, file).
func (c *Client) UploadFile(ctx context.Context, filename string, r io.Reader, p UploadFileParams, opts ...tlhttp.CallOption) (*File, error) {
	op := unsent("UploadFile", opts)
	if err := ValidateUploadFile(filename, p); err != nil {
		return nil, err
	}
	fields := [][2]string{{"filename", filename}}
	var partType string
	if p.ContentType != nil {
		partType = *p.ContentType
		fields = append(fields, [2]string{"content_type", partType})
	}
	body, err := c.upload(ctx, op, fields, filename, partType, r, func(ct string) (*http.Request, error) {
		return publicwire.NewUploadFileRequestWithBody(c.srv(), ct, nil)
	})
	if err != nil {
		return nil, err
	}
	j, err := decodeData[fileJSON](body)
	if err != nil {
		return nil, decodeError(op, err)
	}
	var d dec
	f := j.file(&d)
	if d.err != nil {
		return nil, decodeError(op, d.err)
	}
	return &f, nil
}

// SendVoiceMessage sends the audio in r (ogg, oga or mp3; filename's
// extension sets the part's media type) as a voice message in a chat and
// returns the message UID. Streaming and retries work as for
// [Client.UploadFile].
//
// API: POST /chats/{chat_id}/voice_message (multipart/form-data: file).
func (c *Client) SendVoiceMessage(ctx context.Context, chatID int64, filename string, r io.Reader, opts ...tlhttp.CallOption) (string, error) {
	op := unsent("SendVoiceMessage", opts)
	if err := checkPositive("chatID", chatID); err != nil {
		return "", err
	}
	body, err := c.upload(ctx, op, nil, filename, "", r, func(ct string) (*http.Request, error) {
		return publicwire.NewSendVoiceMessageRequestWithBody(c.srv(), chatID, ct, nil)
	})
	if err != nil {
		return "", err
	}
	d, err := decodeData[sendData](body)
	if err == nil && d.MessageUID == "" {
		err = errNoData
	}
	if err != nil {
		return "", decodeError(op, err)
	}
	return d.MessageUID, nil
}

// UploadFileFromURL makes the server download a file from downloadURL (a
// public direct link; Google Drive and OneDrive share pages are refused)
// and returns the stored file.
//
// API: POST /files (JSON: download_url, filename, content_type).
func (c *Client) UploadFileFromURL(ctx context.Context, downloadURL string, p UploadFromURLParams, opts ...tlhttp.CallOption) (*File, error) {
	op := unsent("UploadFileFromURL", opts)
	if err := checkHTTPURL("downloadURL", downloadURL); err != nil {
		return nil, err
	}
	if p.Filename != nil {
		if err := checkFilename("UploadFromURLParams.Filename", *p.Filename); err != nil {
			return nil, err
		}
	}
	if err := checkContentType("UploadFromURLParams.ContentType", p.ContentType); err != nil {
		return nil, err
	}
	req, err := publicwire.NewUploadFileFromURLRequest(c.srv(), publicwire.UploadFromURLRequest{
		DownloadUrl: downloadURL,
		Filename:    p.Filename,
		ContentType: p.ContentType,
	})
	return fetch(ctx, c, op, req, err, (*fileJSON).file)
}

// GetFile returns a file with a fresh temporary download URL.
//
// API: GET /files/{file_uid}.
func (c *Client) GetFile(ctx context.Context, fileUID string, opts ...tlhttp.CallOption) (*File, error) {
	op := safe("GetFile", opts)
	if err := checkID("fileUID", fileUID); err != nil {
		return nil, err
	}
	req, err := publicwire.NewGetFileRequest(c.srv(), fileUID)
	return fetch(ctx, c, op, req, err, (*fileJSON).file)
}

// ListFiles lists the workspace's uploaded files (without download URLs),
// optionally those whose name contains p.Filename.
//
// API: GET /files.
func (c *Client) ListFiles(ctx context.Context, p ListFilesParams, opts ...tlhttp.CallOption) ([]File, error) {
	op := safe("ListFiles", opts)
	req, err := publicwire.NewListFilesRequest(c.srv(), &publicwire.ListFilesParams{Filename: p.Filename})
	return fetchList(ctx, c, op, req, err, "files", (*fileJSON).file)
}

// DeleteFile deletes an uploaded file.
//
// API: DELETE /files/{file_uid}.
func (c *Client) DeleteFile(ctx context.Context, fileUID string, opts ...tlhttp.CallOption) error {
	op := safe("DeleteFile", opts)
	if err := checkID("fileUID", fileUID); err != nil {
		return err
	}
	req, err := publicwire.NewDeleteFileRequest(c.srv(), fileUID)
	return done(ctx, c, op, req, err)
}
