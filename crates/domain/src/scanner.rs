//! Keyboard-wedge scanner capture (docs/station.md): tells a scanner's burst of keys from a
//! person typing, ends a code on Enter, Tab or a short silence, and drops the
//! double fire of a scanner. Pure: the caller feeds keys with timestamps (ms).

/// Capture settings.
#[derive(Debug, Clone, Copy)]
pub struct CaptureConfig {
    /// Largest average gap between the keys of one code: scanners send a key every
    /// few ms, people type one every 100 ms or more.
    pub max_avg_gap_ms: f64,
    /// Silence that ends a code without a terminator (and drops a short stray buffer).
    pub silence_ms: f64,
    /// Fewest characters a code needs when it ends by silence.
    pub min_len: usize,
    /// The same code again within this time is a double fire.
    pub repeat_ms: f64,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        CaptureConfig {
            max_avg_gap_ms: 50.0,
            silence_ms: 100.0,
            min_len: 4,
            repeat_ms: 1000.0,
        }
    }
}

/// A key as the browser reports it (`KeyboardEvent.key`).
#[derive(Debug, Clone, PartialEq)]
pub enum Key<'a> {
    /// One printable character.
    Char(char),
    /// Enter or Tab: the scanner's suffix.
    Terminator,
    /// Anything else (Shift, arrows, …): ignored.
    Other(&'a str),
}

impl<'a> Key<'a> {
    /// Classifies `KeyboardEvent.key`.
    pub fn from_dom(key: &'a str) -> Key<'a> {
        let mut chars = key.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Key::Char(c),
            _ if key == "Enter" || key == "Tab" => Key::Terminator,
            _ => Key::Other(key),
        }
    }
}

/// What the capture concluded from a key or a tick.
#[derive(Debug, Clone, PartialEq)]
pub enum Captured {
    /// A complete code.
    Code(String),
    /// The same code again within the repeat window: ignored.
    Repeat(String),
}

/// The capture state of one page.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    config: CaptureConfig,
    buffer: String,
    first_key_ms: f64,
    last_key_ms: Option<f64>,
    last_code: Option<(String, f64)>,
}

impl Capture {
    /// A capture with the given settings.
    pub fn new(config: CaptureConfig) -> Capture {
        Capture {
            config,
            ..Capture::default()
        }
    }

    /// True when the buffered keys came at scanner speed. The average, not each gap,
    /// decides: a phone's hiccup in the middle of a burst must not lose characters.
    fn scanner_speed(&self, end_ms: f64) -> bool {
        let n = self.buffer.chars().count() as f64;
        (end_ms - self.first_key_ms) / n.max(1.0) <= self.config.max_avg_gap_ms
    }

    /// Feeds one key pressed at `now_ms`.
    pub fn key(&mut self, key: Key<'_>, now_ms: f64) -> Option<Captured> {
        let gap = self.last_key_ms.map_or(f64::INFINITY, |t| now_ms - t);
        match key {
            Key::Char(c) => {
                if gap >= self.config.silence_ms {
                    // A new burst (or a person typing): start afresh.
                    self.buffer.clear();
                    self.first_key_ms = now_ms;
                }
                self.buffer.push(c);
                self.last_key_ms = Some(now_ms);
                None
            }
            Key::Terminator => {
                let fast = gap < self.config.silence_ms && self.scanner_speed(now_ms);
                self.last_key_ms = None;
                let code = std::mem::take(&mut self.buffer);
                (fast && !code.is_empty()).then(|| self.emit(code, now_ms))
            }
            Key::Other(_) => None,
        }
    }

    /// Called periodically: ends a burst after the silence without a terminator.
    pub fn tick(&mut self, now_ms: f64) -> Option<Captured> {
        let last = self.last_key_ms?;
        if now_ms - last < self.config.silence_ms {
            return None;
        }
        self.last_key_ms = None;
        let fast = self.scanner_speed(last);
        let code = std::mem::take(&mut self.buffer);
        (fast && code.chars().count() >= self.config.min_len).then(|| self.emit(code, now_ms))
    }

    /// True while a burst is being received (the page must not treat keys as shortcuts).
    pub fn in_burst(&self, now_ms: f64) -> bool {
        self.last_key_ms.is_some_and(|t| now_ms - t < self.config.silence_ms) && !self.buffer.is_empty()
    }

    fn emit(&mut self, code: String, now_ms: f64) -> Captured {
        if let Some((last, at)) = &self.last_code {
            if *last == code && now_ms - at < self.config.repeat_ms {
                return Captured::Repeat(code);
            }
        }
        self.last_code = Some((code.clone(), now_ms));
        Captured::Code(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burst(cap: &mut Capture, text: &str, start: f64, step: f64) -> (Vec<Captured>, f64) {
        let mut out = Vec::new();
        let mut t = start;
        for c in text.chars() {
            let key = if c == '\n' { Key::Terminator } else { Key::Char(c) };
            out.extend(cap.key(key, t));
            t += step;
        }
        (out, t)
    }

    #[test]
    fn a_fast_burst_with_enter_is_one_code() {
        let mut cap = Capture::default();
        let (out, _) = burst(&mut cap, "SB00042\n", 0.0, 5.0);
        assert_eq!(out, vec![Captured::Code("SB00042".into())]);
    }

    #[test]
    fn two_codes_in_one_burst_are_two_scans() {
        let mut cap = Capture::default();
        let (out, _) = burst(&mut cap, "SB00042\nC00001\n", 0.0, 5.0);
        assert_eq!(
            out,
            vec![Captured::Code("SB00042".into()), Captured::Code("C00001".into())]
        );
    }

    #[test]
    fn silence_ends_a_code_without_terminator() {
        let mut cap = Capture::default();
        let (out, t) = burst(&mut cap, "C00001", 0.0, 5.0);
        assert!(out.is_empty());
        assert_eq!(cap.tick(t + 50.0), None);
        assert_eq!(cap.tick(t + 120.0), Some(Captured::Code("C00001".into())));
        let (_, t) = burst(&mut cap, "AB", t + 500.0, 5.0);
        assert_eq!(cap.tick(t + 200.0), None, "too short to be a code");
    }

    #[test]
    fn a_hiccup_inside_a_burst_loses_nothing() {
        let mut cap = Capture::default();
        assert_eq!(cap.key(Key::Char('W'), 0.0), None);
        let (out, _) = burst(&mut cap, "H82A01\n", 85.0, 5.0);
        assert_eq!(out, vec![Captured::Code("WH82A01".into())]);
    }

    #[test]
    fn human_typing_is_not_a_scan() {
        let mut cap = Capture::default();
        let (out, _) = burst(&mut cap, "SB00042\n", 0.0, 180.0);
        assert!(out.is_empty());
    }

    #[test]
    fn a_double_fire_within_a_second_is_ignored() {
        let mut cap = Capture::default();
        let (a, t) = burst(&mut cap, "C00001\n", 0.0, 5.0);
        let (b, t) = burst(&mut cap, "C00001\n", t + 300.0, 5.0);
        let (c, _) = burst(&mut cap, "C00001\n", t + 1500.0, 5.0);
        assert_eq!(a, vec![Captured::Code("C00001".into())]);
        assert_eq!(b, vec![Captured::Repeat("C00001".into())]);
        assert_eq!(c, vec![Captured::Code("C00001".into())]);
    }

    #[test]
    fn dom_keys_are_classified() {
        assert_eq!(Key::from_dom("a"), Key::Char('a'));
        assert_eq!(Key::from_dom("Enter"), Key::Terminator);
        assert_eq!(Key::from_dom("Tab"), Key::Terminator);
        assert_eq!(Key::from_dom("Shift"), Key::Other("Shift"));
    }
}
