package publicapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tlpartner/tlpartner-go/internal/engine"
)

// Streamed multipart bodies for [Client.UploadFile] and
// [Client.SendVoiceMessage]. The body is the concatenation of a small
// prefix (form fields and the file part's headers), the caller's reader
// and the closing boundary, so the file is copied straight from the reader
// to the connection and never held in memory, whatever its size.
//
// Replays: when the reader is also an io.Seeker (an *os.File, a
// *bytes.Reader, ...) the body can be rebuilt from the starting offset, so
// the request is retried like any other (a 429 or a failed dial, and once
// after a 401 with a token source), and Content-Length is sent. Any other
// reader can be read only once: the upload is attempted exactly once and
// sent with chunked transfer encoding.

// fileContentType guesses the media type of the file part from the name.
func fileContentType(filename string) string {
	ext := strings.ToLower(filepath.Ext(filename))
	switch ext {
	case ".oga", ".ogg", ".opus":
		return "audio/ogg"
	case ".mp3":
		return "audio/mpeg"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// checkContentType accepts a set content type that is a valid media type
// ("type/subtype", optionally with parameters) and nothing that could
// break out of a multipart header.
func checkContentType(field string, ct *string) error {
	if ct == nil {
		return nil
	}
	if err := checkOptional(field, ct); err != nil {
		return err
	}
	if engine.HasControl(*ct) || !utf8.ValidString(*ct) {
		return invalid(field, "must not contain control characters")
	}
	mt, _, err := mime.ParseMediaType(*ct)
	if typ, sub, ok := strings.Cut(mt, "/"); err != nil || !ok || typ == "" || sub == "" {
		return invalid(field, `must be a media type such as "application/pdf"`)
	}
	return nil
}

func checkFilename(field, name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return invalid(field, "must not be empty")
	case !utf8.ValidString(name):
		return invalid(field, "must be valid UTF-8")
	case engine.HasControl(name):
		return invalid(field, "must not contain control characters")
	}
	return nil
}

// quoteEscaper escapes a value for a quoted Content-Disposition parameter,
// as mime/multipart does.
var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")

// multipartBody describes a streamed multipart/form-data body.
type multipartBody struct {
	contentType string
	prefix      []byte
	suffix      []byte
	src         io.Reader
	// Only for a seekable source:
	seeker io.Seeker
	start  int64
	size   int64 // bytes from start to the end
	mu     sync.Mutex
	last   *guardedReader // the body of the latest attempt
}

// newMultipartBody lays out fields (in order), then the file part named
// fileField with the given filename and partType as its Content-Type
// (guessed from filename when ""), then the closing boundary.
func newMultipartBody(fields [][2]string, fileField, filename, partType string, src io.Reader) (*multipartBody, error) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="`+quoteEscaper.Replace(fileField)+`"; filename="`+quoteEscaper.Replace(filename)+`"`)
	if partType == "" {
		partType = fileContentType(filename)
	}
	h.Set("Content-Type", partType)
	if _, err := mw.CreatePart(h); err != nil {
		return nil, err
	}
	prefix := bytes.Clone(head.Bytes())
	head.Reset()
	if err := mw.Close(); err != nil {
		return nil, err
	}
	b := &multipartBody{
		contentType: mw.FormDataContentType(),
		prefix:      prefix,
		suffix:      bytes.Clone(head.Bytes()),
		src:         src,
		size:        -1,
	}
	if s, ok := src.(io.Seeker); ok {
		start, err := s.Seek(0, io.SeekCurrent)
		if err == nil {
			end, err := s.Seek(0, io.SeekEnd)
			if err == nil {
				_, err = s.Seek(start, io.SeekStart)
			}
			if err != nil {
				return nil, err
			}
			b.seeker, b.start, b.size = s, start, end-start
		}
	}
	return b, nil
}

// reader returns the body for one attempt. For a seekable source it first
// cuts off the previous attempt's body (which the transport may still be
// reading) and rewinds the source.
func (b *multipartBody) reader() (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last != nil {
		b.last.Close()
		if b.seeker == nil {
			return nil, errors.New("the upload's reader is not an io.Seeker and cannot be read twice")
		}
		if _, err := b.seeker.Seek(b.start, io.SeekStart); err != nil {
			return nil, err
		}
	}
	src := b.src
	if b.seeker != nil {
		src = io.LimitReader(src, b.size)
	}
	b.last = &guardedReader{r: io.MultiReader(bytes.NewReader(b.prefix), src, bytes.NewReader(b.suffix))}
	return b.last, nil
}

// attach sets the request's body (first attempt), GetBody (seekable
// sources only) and ContentLength (when known).
func (b *multipartBody) attach(req *http.Request) error {
	body, err := b.reader()
	if err != nil {
		return err
	}
	req.Body = body
	req.GetBody = nil
	req.ContentLength = -1
	if b.seeker != nil {
		req.GetBody = b.reader
		req.ContentLength = int64(len(b.prefix)) + b.size + int64(len(b.suffix))
	}
	return nil
}

// guardedReader stops reading its source once closed, so that a retry can
// rewind a shared source without racing an earlier attempt's transport.
type guardedReader struct {
	mu     sync.Mutex
	r      io.Reader
	closed bool
}

func (g *guardedReader) Read(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return 0, errors.New("upload body closed")
	}
	return g.r.Read(p)
}

func (g *guardedReader) Close() error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	return nil
}
