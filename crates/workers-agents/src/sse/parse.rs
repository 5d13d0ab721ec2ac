//! An incremental Server-Sent Events parser for model streams: bytes go in
//! as they arrive (split anywhere, even inside a UTF-8 character or a CRLF),
//! complete events come out. Comment lines (keep-alives) are skipped.
//! Pure: tested natively at every chunk boundary.

/// One event of an SSE stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SseEvent {
    /// The `event:` field, when present.
    pub event: Option<String>,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
    /// The `id:` field, when present.
    pub id: Option<String>,
}

/// The most bytes one event may hold (its lines, fields included) unless
/// [`SseParser::with_limit`] says otherwise: a peer that never ends a line
/// or an event cannot fill the agent's memory.
pub(crate) const MAX_EVENT_BYTES: usize = 8 * 1024 * 1024;

/// Parses an SSE byte stream incrementally.
#[derive(Debug)]
pub(crate) struct SseParser {
    /// Most bytes of one event.
    limit: usize,
    /// Bytes of the event being read (its lines so far).
    held: usize,
    /// An event went over the limit: the stream is refused from there on.
    overflowed: bool,
    buffer: Vec<u8>,
    /// A `\r` ended the last chunk: a `\n` starting the next one belongs to it.
    pending_cr: bool,
    started: bool,
    event: Option<String>,
    data: Vec<String>,
    id: Option<String>,
    /// The last `retry:` field (digits only), in milliseconds.
    retry: Option<u64>,
}

impl Default for SseParser {
    fn default() -> Self {
        SseParser {
            limit: MAX_EVENT_BYTES,
            held: 0,
            overflowed: false,
            buffer: Vec::new(),
            pending_cr: false,
            started: false,
            event: None,
            data: Vec::new(),
            id: None,
            retry: None,
        }
    }
}

impl SseParser {
    /// A parser at the start of a stream.
    #[cfg_attr(not(feature = "ai"), allow(dead_code))]
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// A parser whose events hold at most `bytes` bytes.
    #[cfg_attr(not(any(test, feature = "mcp")), allow(dead_code))]
    pub(crate) fn with_limit(bytes: usize) -> Self {
        SseParser { limit: bytes, ..Self::default() }
    }

    /// Whether an event went over the limit. From then on nothing more is
    /// parsed or kept: the caller ends the stream with an error.
    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// The last event id the stream set (`id:`, with or without data; an
    /// empty one clears it): what a reconnection sends as `Last-Event-ID`.
    #[cfg_attr(not(any(test, feature = "mcp")), allow(dead_code))]
    pub(crate) fn last_event_id(&self) -> Option<&str> {
        self.id.as_deref().filter(|id| !id.is_empty())
    }

    /// The reconnection time the stream last asked for (`retry:`), in
    /// milliseconds; a value that is not all digits is ignored.
    #[cfg_attr(not(any(test, feature = "mcp")), allow(dead_code))]
    pub(crate) fn retry_ms(&self) -> Option<u64> {
        self.retry
    }

    /// Feeds bytes; returns the events they completed.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        let mut events = Vec::new();
        for &byte in bytes {
            if self.overflowed {
                break;
            }
            self.held += 1;
            if self.held > self.limit {
                self.overflow();
                break;
            }
            if self.pending_cr {
                self.pending_cr = false;
                if byte == b'\n' {
                    continue;
                }
            }
            match byte {
                b'\n' => self.end_line(&mut events),
                b'\r' => {
                    self.pending_cr = true;
                    self.end_line(&mut events);
                }
                _ => self.buffer.push(byte),
            }
        }
        events
    }

    fn overflow(&mut self) {
        self.overflowed = true;
        self.buffer = Vec::new();
        self.data = Vec::new();
        self.event = None;
    }

    /// Ends the stream: a last event without its blank line is still delivered.
    pub(crate) fn finish(&mut self) -> Vec<SseEvent> {
        let mut events = Vec::new();
        if self.overflowed {
            return events;
        }
        if !self.buffer.is_empty() {
            self.end_line(&mut events);
        }
        self.dispatch(&mut events);
        events
    }

    fn end_line(&mut self, events: &mut Vec<SseEvent>) {
        let bytes = std::mem::take(&mut self.buffer);
        let mut line = String::from_utf8_lossy(&bytes).into_owned();
        if !self.started {
            self.started = true;
            if let Some(rest) = line.strip_prefix('\u{feff}') {
                line = rest.to_owned();
            }
        }
        if line.is_empty() {
            self.dispatch(events);
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field.to_owned(), value.strip_prefix(' ').unwrap_or(value).to_owned()),
            None => (line, String::new()),
        };
        match field.as_str() {
            "event" => self.event = Some(value),
            "data" => self.data.push(value),
            "id" if !value.contains('\0') => self.id = Some(value),
            "retry" if value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(ms) = value.parse() {
                    self.retry = Some(ms);
                }
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, events: &mut Vec<SseEvent>) {
        self.held = 0;
        let event = self.event.take();
        if self.data.is_empty() {
            return;
        }
        events.push(SseEvent { event, data: std::mem::take(&mut self.data).join("\n"), id: self.id.clone() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "\u{feff}: keep-alive\r\n\r\ndata: {\"a\":\"héllo 🌍\"}\r\n\r\nevent: error\ndata: line one\ndata: line two\nid: 7\n\n: ping\n\ndata:[DONE]\r\r";

    fn expected() -> Vec<SseEvent> {
        vec![
            SseEvent { event: None, data: "{\"a\":\"héllo 🌍\"}".into(), id: None },
            SseEvent { event: Some("error".into()), data: "line one\nline two".into(), id: Some("7".into()) },
            SseEvent { event: None, data: "[DONE]".into(), id: Some("7".into()) },
        ]
    }

    #[test]
    fn parses_a_whole_stream() {
        let mut parser = SseParser::new();
        let mut events = parser.push(STREAM.as_bytes());
        events.extend(parser.finish());
        assert_eq!(events, expected());
    }

    #[test]
    fn gives_the_same_events_wherever_the_chunks_split() {
        let bytes = STREAM.as_bytes();
        for split in 0..=bytes.len() {
            let mut parser = SseParser::new();
            let mut events = parser.push(&bytes[..split]);
            events.extend(parser.push(&bytes[split..]));
            events.extend(parser.finish());
            assert_eq!(events, expected(), "split at byte {split}");
        }
        // And one byte at a time.
        let mut parser = SseParser::new();
        let mut events: Vec<SseEvent> = bytes.iter().flat_map(|b| parser.push(&[*b])).collect();
        events.extend(parser.finish());
        assert_eq!(events, expected());
    }

    #[test]
    fn refuses_an_event_over_the_limit_and_everything_after_it() {
        let mut parser = SseParser::with_limit(16);
        // Events up to the limit pass, however many there are.
        let small: Vec<SseEvent> = (0..100).flat_map(|_| parser.push(b"data: 0123456\n\n")).collect();
        assert_eq!(small.len(), 100);
        assert!(!parser.overflowed());
        // A line that never ends is cut off at the limit, not kept.
        assert!(parser.push(&[b'x'; 10]).is_empty());
        assert!(parser.push(&[b'x'; 10]).is_empty());
        assert!(parser.overflowed());
        assert!(parser.buffer.is_empty() && parser.data.is_empty());
        assert!(parser.push(b"\n\ndata: late\n\n").is_empty());
        assert!(parser.finish().is_empty());
        // Many short lines of one event count together.
        let mut parser = SseParser::with_limit(16);
        assert!(parser.push(b"data: a\ndata: b\ndata: c\n").is_empty());
        assert!(parser.overflowed());
    }

    #[test]
    fn keeps_the_last_event_id_and_the_retry_time_even_without_data() {
        let mut parser = SseParser::new();
        assert_eq!((parser.last_event_id(), parser.retry_ms()), (None, None));
        // A priming event: an id and a retry, no data (nothing dispatched).
        assert!(parser.push(b"id: e-1\nretry: 500\n\n").is_empty());
        assert_eq!((parser.last_event_id(), parser.retry_ms()), (Some("e-1"), Some(500)));
        // A retry that is not all digits is ignored; an empty id clears it.
        assert!(parser.push(b"retry: 1.5\nretry: -3\nretry:\nid:\n\n").is_empty());
        assert_eq!((parser.last_event_id(), parser.retry_ms()), (None, Some(500)));
        let events = parser.push(b"id: e-2\nretry: 20\ndata: x\n\n");
        assert_eq!(events[0].id.as_deref(), Some("e-2"));
        assert_eq!((parser.last_event_id(), parser.retry_ms()), (Some("e-2"), Some(20)));
        // Too many digits for a u64: ignored too.
        parser.push(b"retry: 99999999999999999999999\n\n");
        assert_eq!(parser.retry_ms(), Some(20));
    }

    #[test]
    fn delivers_a_last_event_without_its_blank_line() {
        let mut parser = SseParser::new();
        assert!(parser.push(b"data: tail").is_empty());
        assert_eq!(parser.finish(), vec![SseEvent { event: None, data: "tail".into(), id: None }]);
    }
}
