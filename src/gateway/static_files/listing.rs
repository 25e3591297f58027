//! The HTML listing of a directory without an `index.html`.
//!
//! Lists only what the server would serve: hidden names, names that are not UTF-8,
//! broken symlinks, symlinks leading outside the root or onto hidden entries, and
//! anything that is neither a file nor a directory are left out.

use std::fmt::Write as _;
use std::path::Path;

use super::{is_servable_name, resolve};

/// One listed entry.
struct Entry {
    /// The name as on disk.
    name: String,
    /// Whether it is (or its symlink leads to) a directory.
    is_dir: bool,
    /// The file size in bytes (0 for directories).
    size: u64,
}

/// The entries of `dir` that may be listed (on the blocking pool: one trip for the
/// whole directory).
fn scan(root: &Path, dir: &Path) -> Option<Vec<Entry>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if !is_servable_name(&name) {
            continue;
        }
        let Some((_, meta)) = resolve(root, &entry.path()) else {
            continue;
        };
        if meta.is_dir() || meta.is_file() {
            let is_dir = meta.is_dir();
            let size = if is_dir { 0 } else { meta.len() };
            entries.push(Entry { name, is_dir, size });
        }
    }
    Some(entries)
}

/// Renders the listing of `dir` (canonical, under `root`) reached through `segments`;
/// `None` if the directory cannot be read.
pub(super) async fn render(root: &Path, dir: &Path, segments: &[String]) -> Option<String> {
    let (root, dir) = (root.to_path_buf(), dir.to_path_buf());
    let mut entries = tokio::task::spawn_blocking(move || scan(&root, &dir))
        .await
        .ok()??;
    entries.sort_by(|a, b| {
        (!a.is_dir, a.name.to_lowercase(), &a.name).cmp(&(
            !b.is_dir,
            b.name.to_lowercase(),
            &b.name,
        ))
    });

    let mut shown = String::from("/");
    for segment in segments {
        shown.push_str(segment);
        shown.push('/');
    }
    let title = escape_html(&shown);
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Index of {title}</title></head>\n<body>\n<h1>Index of {title}</h1>\n<table>\n"
    );
    if !segments.is_empty() {
        html.push_str("<tr><td><a href=\"../\">../</a></td><td></td></tr>\n");
    }
    for entry in &entries {
        let slash = if entry.is_dir { "/" } else { "" };
        let size = if entry.is_dir {
            "-".to_string()
        } else {
            human_size(entry.size)
        };
        // Writing into a String cannot fail.
        let _ = writeln!(
            html,
            "<tr><td><a href=\"{}{slash}\">{}{slash}</a></td><td>{size}</td></tr>",
            encode_segment(&entry.name),
            escape_html(&entry.name),
        );
    }
    html.push_str("</table>\n</body></html>\n");
    Some(html)
}

/// Percent-encodes one path segment, keeping only unreserved characters, so that
/// the result is a safe relative link (no `:` scheme, `?`, `#` or `/` surprises).
pub(super) fn encode_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for &b in name.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Escapes text for HTML element content and quoted attributes.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A size for people: bytes below 1 KiB, else one decimal in KiB, MiB, GiB or TiB.
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1.0 KiB");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(human_size(3 << 40), "3.0 TiB");
        assert_eq!(human_size(u64::MAX), "16777216.0 TiB");
    }

    #[test]
    fn segments_encode_everything_but_unreserved() {
        assert_eq!(encode_segment("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(encode_segment("a b:c?d#e/f%"), "a%20b%3Ac%3Fd%23e%2Ff%25");
        assert_eq!(encode_segment("é"), "%C3%A9");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
