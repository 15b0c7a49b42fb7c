package tlpartnertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

type wireFile struct {
	TemporaryDownloadURL string `json:"temporary_download_url,omitempty"`
	UID                  string `json:"uid"`
	Filename             string `json:"filename"`
	Size                 int    `json:"size"`
	Mimetype             string `json:"mimetype"`
	UploadedByEmail      string `json:"uploaded_by_email"`
	UploadedAt           string `json:"uploaded_at"`
}

func fileWire(f *pubFile) wireFile {
	return wireFile{UID: f.uid, Filename: f.filename, Size: len(f.data), Mimetype: f.mimetype,
		UploadedByEmail: f.uploadedBy, UploadedAt: pubStamp(f.uploadedAt)}
}

// downloadURL returns f's temporary download URL, valid for
// FileURLLifetime from now on the fake's clock. Call with s.mu held.
func (s *Server) downloadURL(f *pubFile, now time.Time) string {
	if f.token == "" {
		f.token = randomHex(16)
		s.pub.downloads[f.token] = f
	}
	f.urlExpires = now.Add(FileURLLifetime)
	return s.origin + FilesPrefix + "/" + f.token + "/" + url.PathEscape(f.filename)
}

// ownerEmail is the uploaded_by_email of files uploaded with the
// workspace's token: the Owner user's email.
func (s *Server) ownerEmail(ws *workspace) string {
	if u := s.users[ws.ownerID]; u != nil {
		return u.email
	}
	return ""
}

// upload is a file received in a multipart request.
type upload struct {
	filename, mimetype string
	data               []byte
}

// parseUpload reads the multipart/form-data body of files_upload and
// voice_message: part "file" (required), optional "filename" and
// "content_type". A content_type field is the file's type as given;
// without it the file part's Content-Type is used unless it is the
// generic application/octet-stream, else the type is guessed.
func (s *Server) parseUpload(q *pubReq) (*upload, *pubError) {
	mt, params, err := mime.ParseMediaType(q.r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, badField("file", "the body must be multipart/form-data with a file part")
	}
	mr := multipart.NewReader(bytes.NewReader(q.body), params["boundary"])
	up := &upload{}
	var haveFile bool
	var given string // the content_type field, kept as sent
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, badField("file", "malformed multipart body")
		}
		data, err := io.ReadAll(io.LimitReader(p, s.opts.MaxFileSize+1))
		if err != nil {
			return nil, badField("file", "malformed multipart body")
		}
		switch p.FormName() {
		case "file":
			if int64(len(data)) > s.opts.MaxFileSize {
				return nil, pubErr(http.StatusRequestEntityTooLarge, PublicCodeTooLarge,
					fmt.Sprintf("file is larger than %d bytes", s.opts.MaxFileSize))
			}
			haveFile = true
			up.data = data
			if up.filename == "" {
				up.filename = p.FileName()
			}
			if up.mimetype == "" {
				up.mimetype = p.Header.Get("Content-Type")
			}
		case "filename":
			if v := strings.TrimSpace(string(data)); v != "" {
				up.filename = v
			}
		case "content_type":
			v := strings.TrimSpace(string(data))
			if mt, _, err := mime.ParseMediaType(v); err != nil || !strings.Contains(mt, "/") {
				return nil, badField("content_type", "content_type must be a media type such as application/pdf")
			}
			given = v
		}
	}
	if !haveFile {
		return nil, badField("file", "file is required")
	}
	up.filename = path.Base(strings.ReplaceAll(up.filename, "\\", "/"))
	if up.filename == "" || up.filename == "." || up.filename == "/" {
		up.filename = "file"
	}
	if given != "" {
		up.mimetype = given // the documented override, stored as given
	} else {
		up.mimetype = guessType(up.filename, up.mimetype, up.data)
	}
	return up, nil
}

// guessType keeps a given MIME type (unless it is the generic
// octet-stream), else guesses from the extension, else sniffs the data.
func guessType(filename, given string, data []byte) string {
	if given != "" && given != "application/octet-stream" {
		return given
	}
	if t := mime.TypeByExtension(path.Ext(filename)); t != "" {
		return t
	}
	return http.DetectContentType(data)
}

func (s *Server) pubUploadFile(q *pubReq) *pubError {
	up, e := s.parseUpload(q)
	if e != nil {
		return e
	}
	return s.pubAddFile(q, up)
}

// pubAddFile stores an uploaded file and answers with it.
func (s *Server) pubAddFile(q *pubReq, up *upload) *pubError {
	f := &pubFile{uid: newUUID(), pw: q.pw, filename: up.filename, mimetype: up.mimetype, data: up.data,
		uploadedBy: s.ownerEmail(q.ws), uploadedAt: q.now}
	q.pw.files = append(q.pw.files, f)
	s.pub.files[f.uid] = f
	w := fileWire(f)
	w.TemporaryDownloadURL = s.downloadURL(f, q.now)
	pubOK(q.w, w)
	return nil
}

// fetchedFile is the result of the download step of POST /files.
type fetchedFile = upload

// fetchForUpload validates the body of POST /files and downloads its
// download_url. Like every part of the fake it stays on the machine: only
// loopback URLs are fetched. Called without s.mu.
func (s *Server) fetchForUpload(ctx context.Context, body []byte) (*fetchedFile, *pubError) {
	var b struct {
		DownloadURL *string `json:"download_url"`
		Filename    *string `json:"filename"`
		ContentType *string `json:"content_type"`
	}
	if e := decodeBody(body, &b, false); e != nil {
		return nil, pubErr(http.StatusBadRequest, PublicCodeValidation, e.desc)
	}
	raw := deref(b.DownloadURL)
	if raw == "" {
		return nil, badField("download_url", "download_url is required")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, badField("download_url", "download_url must be an absolute http(s) URL")
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, "drive.google.com") || strings.Contains(host, "onedrive") || strings.Contains(host, "1drv.ms") {
		return nil, badField("download_url", "Google Drive and OneDrive share links are not direct download URLs")
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, badField("download_url", "the fake downloads only from loopback addresses (127.0.0.1, ::1, localhost)")
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, badField("download_url", "download_url is not a valid URL")
	}
	resp, err := s.wh.client.Do(req)
	if err != nil {
		return nil, badField("download_url", "download_url could not be downloaded")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, badField("download_url", fmt.Sprintf("download_url answered %d", resp.StatusCode))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, s.opts.MaxFileSize+1))
	if err != nil {
		return nil, badField("download_url", "download_url could not be downloaded")
	}
	if int64(len(data)) > s.opts.MaxFileSize {
		return nil, pubErr(http.StatusRequestEntityTooLarge, PublicCodeTooLarge,
			fmt.Sprintf("file is larger than %d bytes", s.opts.MaxFileSize))
	}
	f := &fetchedFile{filename: path.Base(u.Path), data: data}
	if n := strings.TrimSpace(deref(b.Filename)); n != "" {
		f.filename = path.Base(n)
	}
	if f.filename == "" || f.filename == "." || f.filename == "/" {
		f.filename = "file"
	}
	if given := strings.TrimSpace(deref(b.ContentType)); given != "" {
		f.mimetype = given // the documented override, stored as given
		return f, nil
	}
	served, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	f.mimetype = guessType(f.filename, served, data)
	return f, nil
}

// pubStoreFile finishes POST /files with the file fetchForUpload got.
func (s *Server) pubStoreFile(q *pubReq, f *fetchedFile) *pubError {
	if f == nil { // cannot happen: fetchForUpload answered already
		return badField("download_url", "download_url is required")
	}
	return s.pubAddFile(q, f)
}

// pubListFiles serves GET /files: filename filters case-insensitively on
// any part of the name; list items carry no temporary_download_url.
func (s *Server) pubListFiles(q *pubReq) *pubError {
	needle := strings.ToLower(q.query.get("filename"))
	out := []wireFile{}
	for _, f := range q.pw.files {
		if !f.deleted && strings.Contains(strings.ToLower(f.filename), needle) {
			out = append(out, fileWire(f))
		}
	}
	pubOK(q.w, out)
	return nil
}

func (s *Server) pubFileOf(q *pubReq, uid string) (*pubFile, *pubError) {
	f := s.pub.files[uid]
	switch {
	case f == nil || f.deleted:
		return nil, notFound("File")
	case f.pw != q.pw:
		return nil, denied()
	}
	return f, nil
}

func (s *Server) pubGetFile(q *pubReq, uid string) *pubError {
	f, e := s.pubFileOf(q, uid)
	if e != nil {
		return e
	}
	w := fileWire(f)
	w.TemporaryDownloadURL = s.downloadURL(f, q.now)
	pubOK(q.w, w)
	return nil
}

// pubDeleteFile deletes a file (the docs show no answer; the fake says
// {"status":"ok","message":"File deleted"}). Messages that already carry
// it keep their attachment.
func (s *Server) pubDeleteFile(q *pubReq, uid string) *pubError {
	f, e := s.pubFileOf(q, uid)
	if e != nil {
		return e
	}
	f.deleted = true
	delete(s.pub.files, uid)
	q.pw.files = slices.DeleteFunc(q.pw.files, func(x *pubFile) bool { return x == f })
	writeRaw(q.w, http.StatusOK, map[string]string{"status": "ok", "message": "File deleted"})
	return nil
}

// serveFileDownload serves a temporary download URL:
// {Origin}/_files/{token}/{filename}. An expired URL answers 403, like an
// expired pre-signed storage URL; an unknown one 404.
func (s *Server) serveFileDownload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	token, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, FilesPrefix+"/"), "/")
	now := s.Now()
	s.mu.Lock()
	f := s.pub.downloads[token]
	var expired bool
	var data []byte
	var mimetype, name string
	if f != nil {
		expired = !now.Before(f.urlExpires)
		data, mimetype, name = f.data, f.mimetype, f.filename
	}
	s.mu.Unlock()
	switch {
	case f == nil:
		http.NotFound(w, r)
		return
	case expired:
		http.Error(w, "temporary download URL expired", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", mimetype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}
