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

/// Parses an SSE byte stream incrementally.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    buffer: Vec<u8>,
    /// A `\r` ended the last chunk: a `\n` starting the next one belongs to it.
    pending_cr: bool,
    started: bool,
    event: Option<String>,
    data: Vec<String>,
    id: Option<String>,
}

impl SseParser {
    /// A parser at the start of a stream.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns the events they completed.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        let mut events = Vec::new();
        for &byte in bytes {
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

    /// Ends the stream: a last event without its blank line is still delivered.
    pub(crate) fn finish(&mut self) -> Vec<SseEvent> {
        let mut events = Vec::new();
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
            _ => {}
        }
    }

    fn dispatch(&mut self, events: &mut Vec<SseEvent>) {
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
    fn delivers_a_last_event_without_its_blank_line() {
        let mut parser = SseParser::new();
        assert!(parser.push(b"data: tail").is_empty());
        assert_eq!(parser.finish(), vec![SseEvent { event: None, data: "tail".into(), id: None }]);
    }
}
