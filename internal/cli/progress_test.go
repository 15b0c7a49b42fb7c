package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProgressBarOnATerminal(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("x"), 3<<20)
	var out bytes.Buffer
	p := newProgressReader(bytes.NewReader(data), int64(len(data)), "photo.png", &out, true)
	clock := time.Unix(0, 0)
	p.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	buf := make([]byte, 1<<20)
	_, err := p.Read(buf)
	require.NoError(t, err)
	assert.Contains(t, out.String(), "\rphoto.png [==========>                   ]  33%  1.0 MiB / 3.0 MiB")
	// A retry rewinds the body: the count restarts.
	_, err = p.Seek(0, io.SeekStart)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, p)
	require.NoError(t, err)
	p.done(true)
	assert.True(t, strings.HasSuffix(out.String(), "] 100%  3.0 MiB / 3.0 MiB\n"), "%q", out.String())
}

func TestProgressBarOffWithoutATerminal(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := newProgressReader(strings.NewReader("hello"), 5, "a.txt", &out, false)
	b, err := io.ReadAll(p)
	require.NoError(t, err)
	p.done(true)
	assert.Equal(t, "hello", string(b))
	assert.Empty(t, out.String())
}

func TestByteSize(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "999 B", byteSize(999))
	assert.Equal(t, "1.5 KiB", byteSize(1536))
	assert.Equal(t, "2.0 GiB", byteSize(2<<30))
}
