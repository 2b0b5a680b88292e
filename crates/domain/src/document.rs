//! What a file an applicant uploads to its application may be: the kinds accepted (decided by the file's
//! content, never by its name), the limits, and every refusal in both languages naming the file and the
//! limit it broke.

use serde::{Deserialize, Serialize};

/// A kind of document accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Pdf,
    Jpeg,
    Png,
    Xlsx,
}

impl DocumentKind {
    pub const ALL: [Self; 4] = [Self::Pdf, Self::Jpeg, Self::Png, Self::Xlsx];

    /// The machine name (`pdf`, `jpeg`, `png`, `xlsx`), as stored.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::Xlsx => "xlsx",
        }
    }

    /// The kind of a machine name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The media type a download is sent as.
    #[must_use]
    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// `PDF`, `JPEG`…, for people.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Xlsx => "XLSX",
        }
    }

    /// The kind the bytes are, read from their content (magic numbers; an XLSX is a ZIP holding a
    /// workbook), or `None` for anything else: a file's name or the type a browser claims is never trusted.
    #[must_use]
    pub fn of_content(bytes: &[u8]) -> Option<Self> {
        let found = infer::get(bytes)?;
        match found.mime_type() {
            "application/pdf" => Some(Self::Pdf),
            "image/jpeg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Some(Self::Xlsx),
            _ => None,
        }
    }
}

/// How large a document may be and how many one application may carry (the server's configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentLimits {
    pub max_bytes: u64,
    pub max_per_application: u32,
}

/// Longest file name kept, in characters (a longer one is cut, keeping its end).
pub const MAX_FILE_NAME_CHARS: usize = 120;

/// Why an upload was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadRefusal {
    Empty {
        name: String,
    },
    TooLarge {
        name: String,
        max: u64,
    },
    WrongType {
        name: String,
    },
    TooMany {
        name: String,
        max: u32,
    },
    /// The material named is not one the product lists.
    UnknownMaterial {
        name: String,
        material: String,
    },
}

/// `10 MB`, `1.5 KB`, `900 字节` (`900 bytes` when not `zh`): a size as people read it (binary units).
#[must_use]
pub fn size_text(bytes: u64, zh: bool) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    let tenths = |unit: u64| {
        let t = (bytes * 10 + unit / 2) / unit;
        if t.is_multiple_of(10) { format!("{}", t / 10) } else { format!("{}.{}", t / 10, t % 10) }
    };
    if bytes >= MIB {
        format!("{} MB", tenths(MIB))
    } else if bytes >= KIB {
        format!("{} KB", tenths(KIB))
    } else if zh {
        format!("{bytes} 字节")
    } else {
        format!("{bytes} bytes")
    }
}

impl UploadRefusal {
    /// The form field at fault: `material` for a material the product does not list, else `file`.
    #[must_use]
    pub fn field(&self) -> &'static str {
        match self {
            Self::UnknownMaterial { .. } => "material",
            _ => "file",
        }
    }

    /// Machine reason (`empty`, `too_large`, `wrong_type`, `too_many`, `unknown_material`).
    #[must_use]
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Empty { .. } => "empty",
            Self::TooLarge { .. } => "too_large",
            Self::WrongType { .. } => "wrong_type",
            Self::TooMany { .. } => "too_many",
            Self::UnknownMaterial { .. } => "unknown_material",
        }
    }

    #[must_use]
    pub fn message_zh(&self) -> String {
        match self {
            Self::Empty { name } => format!("文件“{name}”是空的（0 字节），未保存"),
            Self::TooLarge { name, max } => {
                format!("文件“{name}”超过每个文件 {} 的大小上限，未保存", size_text(*max, true))
            }
            Self::WrongType { name } => {
                format!("文件“{name}”不是 PDF、JPEG、PNG 或 XLSX 文件（按文件内容判断，与文件名无关），未保存")
            }
            Self::TooMany { name, max } => format!("每个申请最多上传 {max} 个文件，已达上限，文件“{name}”未保存"),
            Self::UnknownMaterial { name, material } => {
                format!("“{material}”不在该产品的材料清单中，文件“{name}”未保存")
            }
        }
    }

    #[must_use]
    pub fn message_en(&self) -> String {
        match self {
            Self::Empty { name } => format!("the file “{name}” is empty (0 bytes); nothing was saved"),
            Self::TooLarge { name, max } => {
                format!("the file “{name}” is over the limit of {} a file; nothing was saved", size_text(*max, false))
            }
            Self::WrongType { name } => format!(
                "the file “{name}” is not a PDF, JPEG, PNG or XLSX file (judged by its content, not its name); \
                 nothing was saved"
            ),
            Self::TooMany { name, max } => {
                format!("an application carries at most {max} files; the file “{name}” was not saved")
            }
            Self::UnknownMaterial { name, material } => {
                format!("“{material}” is not on the product's list of materials; the file “{name}” was not saved")
            }
        }
    }
}

/// A file name as kept: the last path part (some browsers send a full path), control characters and
/// quotes dropped, at most [`MAX_FILE_NAME_CHARS`] characters (keeping the end, where the extension is);
/// `文件` when nothing is left.
#[must_use]
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let kept: String = base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | '<' | '>')).collect();
    let kept = kept.trim();
    let count = kept.chars().count();
    let kept: String = kept.chars().skip(count.saturating_sub(MAX_FILE_NAME_CHARS)).collect();
    if kept.is_empty() { "文件".to_owned() } else { kept }
}

/// Checks one upload of `bytes` named `name` against `limits`, for an application that carries `existing`
/// documents: its kind by content, or why it is refused. The count is checked again where it is stored.
///
/// # Errors
/// Empty, too large, not an accepted kind, or one too many.
pub fn check_upload(
    name: &str,
    bytes: &[u8],
    limits: DocumentLimits,
    existing: u64,
) -> Result<DocumentKind, UploadRefusal> {
    let name = name.to_owned();
    if bytes.is_empty() {
        return Err(UploadRefusal::Empty { name });
    }
    if bytes.len() as u64 > limits.max_bytes {
        return Err(UploadRefusal::TooLarge { name, max: limits.max_bytes });
    }
    if existing >= u64::from(limits.max_per_application) {
        return Err(UploadRefusal::TooMany { name, max: limits.max_per_application });
    }
    DocumentKind::of_content(bytes).ok_or(UploadRefusal::WrongType { name })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: DocumentLimits = DocumentLimits { max_bytes: 1024, max_per_application: 2 };
    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];

    #[test]
    fn the_kind_is_read_from_the_content_not_the_name() {
        assert_eq!(check_upload("a.pdf", b"%PDF-1.4\n%%EOF", LIMITS, 0), Ok(DocumentKind::Pdf));
        assert_eq!(check_upload("scan.txt", PNG, LIMITS, 0), Ok(DocumentKind::Png));
        assert_eq!(
            check_upload("a.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F'], LIMITS, 1),
            Ok(DocumentKind::Jpeg)
        );
        let fake = check_upload("报表.pdf", b"just text, named as a PDF", LIMITS, 0).unwrap_err();
        assert_eq!(fake.reason(), "wrong_type");
        assert!(fake.message_zh().contains("报表.pdf"), "{}", fake.message_zh());
        // A ZIP that is no workbook is not an XLSX.
        let zip = [b'P', b'K', 3, 4, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(check_upload("a.xlsx", &zip, LIMITS, 0).unwrap_err().reason(), "wrong_type");
    }

    #[test]
    fn refusals_name_the_file_and_the_limit() {
        let empty = check_upload("空.pdf", b"", LIMITS, 0).unwrap_err();
        assert_eq!((empty.reason(), empty.field()), ("empty", "file"));
        assert!(empty.message_zh().contains("空.pdf"));
        let mut big = b"%PDF-1.4".to_vec();
        big.resize(1025, b' ');
        let large = check_upload("大.pdf", &big, LIMITS, 0).unwrap_err();
        assert_eq!(large.reason(), "too_large");
        assert!(large.message_zh().contains("大.pdf") && large.message_zh().contains("1 KB"), "{}", large.message_zh());
        assert!(large.message_en().contains("1 KB"));
        let many = check_upload("三.pdf", b"%PDF-1.4", LIMITS, 2).unwrap_err();
        assert_eq!(many.reason(), "too_many");
        assert!(many.message_zh().contains("最多上传 2 个"));
        assert_eq!(size_text(10 * 1024 * 1024, true), "10 MB");
        assert_eq!(size_text(1536, false), "1.5 KB");
    }

    #[test]
    fn file_names_are_cleaned() {
        assert_eq!(clean_file_name("C:\\Users\\me\\营业执照.pdf"), "营业执照.pdf");
        assert_eq!(clean_file_name("a\"b<c>.png"), "abc.png");
        assert_eq!(clean_file_name("  "), "文件");
        let long = format!("{}.pdf", "长".repeat(200));
        assert!(clean_file_name(&long).ends_with(".pdf"));
        assert_eq!(clean_file_name(&long).chars().count(), MAX_FILE_NAME_CHARS);
    }
}
