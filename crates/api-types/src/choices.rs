//! Small choices on the wire: notification levels and the forms of exports and
//! reports. Text-backed enums like those in `states`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::states::{text_enum, text_traits, TextEnum, UnknownValue};

text_enum! {
    /// How a notification is shown.
    NotificationLevel {
        /// For information.
        Info = "info",
        /// Something finished well.
        Success = "success",
        /// Something needs a look.
        Warning = "warning",
        /// Something failed.
        Error = "error",
    }
}

text_enum! {
    /// The file form of an export (`GET /exports/{kind}?format=`).
    ExportFormat {
        /// Comma-separated text, streamed.
        Csv = "csv",
        /// An Excel workbook.
        Xlsx = "xlsx",
    }
}

text_enum! {
    /// The form of the end-of-day report (`GET /reports/eod?format=`).
    ReportFormat {
        /// The JSON document.
        Json = "json",
        /// Comma-separated text.
        Csv = "csv",
    }
}
