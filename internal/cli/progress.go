package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progressReader counts the bytes of an upload as the HTTP client reads
// them and, when show is set (stderr is a terminal), redraws a one-line
// progress bar on w at most every 100 ms. It passes Seek through, so an
// upload from a file can still be retried (the count restarts with the
// body).
type progressReader struct {
	r     io.ReadSeeker
	total int64
	name  string
	w     io.Writer
	show  bool
	now   func() time.Time

	mu    sync.Mutex
	n     int64
	last  time.Time
	drawn bool
}

func newProgressReader(r io.ReadSeeker, total int64, name string, w io.Writer, show bool) *progressReader {
	return &progressReader{r: r, total: total, name: name, w: w, show: show, now: time.Now}
}

// Read implements io.Reader.
func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.mu.Lock()
	p.n += int64(n)
	if p.show && (p.now().Sub(p.last) >= 100*time.Millisecond || p.n == p.total) {
		p.last = p.now()
		p.draw()
	}
	p.mu.Unlock()
	return n, err
}

// Seek implements io.Seeker.
func (p *progressReader) Seek(off int64, whence int) (int64, error) {
	pos, err := p.r.Seek(off, whence)
	if err == nil && whence == io.SeekStart {
		p.mu.Lock()
		p.n = pos
		p.mu.Unlock()
	}
	return pos, err
}

// done draws the final state and ends the line.
func (p *progressReader) done(ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.show || !p.drawn {
		return
	}
	if ok {
		p.n = p.total
	}
	p.draw()
	fmt.Fprintln(p.w)
}

// draw writes "\r<name> [=====>    ]  45%  1.2 MiB / 2.6 MiB". Callers
// hold mu.
func (p *progressReader) draw() {
	const width = 30
	frac := 1.0
	if p.total > 0 {
		frac = min(float64(p.n)/float64(p.total), 1)
	}
	fill := int(frac * width)
	bar := strings.Repeat("=", fill)
	if fill < width {
		bar += ">" + strings.Repeat(" ", width-fill-1)
	}
	fmt.Fprintf(p.w, "\r%s [%s] %3.0f%%  %s / %s", p.name, bar, frac*100, byteSize(p.n), byteSize(p.total))
	p.drawn = true
}

// byteSize formats a byte count with binary units.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
