//! Normalisation of scanned text into a bag id (docs/domain.md §1).

/// Shortest accepted id after normalisation.
pub const MIN_QR_LEN: usize = 4;
/// Longest accepted id after normalisation.
pub const MAX_QR_LEN: usize = 100;

/// Why a scanned text is not a usable id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrError {
    /// Nothing left after stripping invisible characters and trimming.
    Empty,
    /// Shorter than [`MIN_QR_LEN`].
    TooShort(usize),
    /// Longer than [`MAX_QR_LEN`].
    TooLong(usize),
    /// The text has `LABEL NO.` but no digits after it.
    LabelWithoutNumber,
}

impl std::fmt::Display for QrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QrError::Empty => write!(f, "the code is empty"),
            QrError::TooShort(n) => {
                write!(f, "the code has {n} characters; at least {MIN_QR_LEN} are needed")
            }
            QrError::TooLong(n) => {
                write!(f, "the code has {n} characters; at most {MAX_QR_LEN} are allowed")
            }
            QrError::LabelWithoutNumber => {
                write!(f, "the label text has no number after LABEL NO.")
            }
        }
    }
}

fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00A0}' | '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
        )
}

/// Normalises scanned text: strips control and invisible characters, trims,
/// upper-cases, extracts the child id from printed label text, and checks the length.
pub fn normalize_qr(raw: &str) -> Result<String, QrError> {
    let cleaned: String = raw.chars().filter(|c| !is_invisible(*c)).collect();
    let upper = cleaned.trim().to_uppercase();
    let id = match extract_label_number(&upper) {
        Some(found) => found.ok_or(QrError::LabelWithoutNumber)?,
        None => upper,
    };
    let len = id.chars().count();
    if len == 0 {
        Err(QrError::Empty)
    } else if len < MIN_QR_LEN {
        Err(QrError::TooShort(len))
    } else if len > MAX_QR_LEN {
        Err(QrError::TooLong(len))
    } else {
        Ok(id)
    }
}

/// `None` when the text has no `LABEL NO.`; `Some(None)` when it has one without digits.
fn extract_label_number(upper: &str) -> Option<Option<String>> {
    const MARKER: &str = "LABEL NO.";
    let start = upper.find(MARKER)? + MARKER.len();
    let rest = upper[start..].trim_start_matches([' ', ':']);
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    Some((!digits.is_empty()).then_some(digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_uppercases_and_strips_invisible_characters() {
        assert_eq!(normalize_qr("  sb00042\r\n").unwrap(), "SB00042");
        assert_eq!(
            normalize_qr("\u{FEFF}m444-\u{200B}00017\u{00A0}").unwrap(),
            "M444-00017"
        );
    }

    #[test]
    fn extracts_child_id_from_label_text() {
        let label = "LABEL NO.:0016586 LOT NO.:STAR44GG24611 VARIETY: X";
        assert_eq!(normalize_qr(label).unwrap(), "0016586");
        assert_eq!(normalize_qr("label no. : 123456 lot").unwrap(), "123456");
        assert_eq!(normalize_qr("LABEL NO.: LOT"), Err(QrError::LabelWithoutNumber));
    }

    #[test]
    fn enforces_length_bounds() {
        assert_eq!(normalize_qr(" \u{200B} "), Err(QrError::Empty));
        assert_eq!(normalize_qr("AB1"), Err(QrError::TooShort(3)));
        assert_eq!(normalize_qr(&"A".repeat(101)), Err(QrError::TooLong(101)));
        assert!(normalize_qr(&"A".repeat(100)).is_ok());
    }
}
