//! Minimal reader/writer for 2-D little-endian float `.npy` files (NumPy's
//! format, versions 1.0, 2.0 and 3.0): `<f4` or `<f8`, C or Fortran order.

use std::fmt;

/// Why a `.npy` file could not be read.
#[derive(Clone, Debug, PartialEq)]
pub enum NpyError {
    /// The file does not start with `\x93NUMPY`.
    NotNpy,
    /// A format version other than 1, 2 or 3.
    Version(u8, u8),
    /// The header is cut short or is not a readable dictionary.
    Header(String),
    /// A dtype other than little-endian float32/float64.
    Dtype(String),
    /// The array is not 2-D.
    Shape(Vec<usize>),
    /// Fewer (or more) data bytes than the shape needs.
    Length { expected: usize, found: usize },
    /// A NaN or infinite value at (row, column).
    NonFinite { row: usize, col: usize },
}

impl fmt::Display for NpyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NpyError::NotNpy => write!(f, "not a .npy file (missing \\x93NUMPY magic)"),
            NpyError::Version(a, b) => write!(f, "unsupported .npy format version {a}.{b} (need 1.0, 2.0 or 3.0)"),
            NpyError::Header(m) => write!(f, "bad .npy header: {m}"),
            NpyError::Dtype(d) => {
                write!(f, "unsupported .npy dtype {d:?}: need little-endian float32 ('<f4') or float64 ('<f8')")
            }
            NpyError::Shape(s) => write!(f, "expected a 2-D array (samples x neurons), found shape {s:?}"),
            NpyError::Length { expected, found } => {
                write!(f, "truncated or oversized .npy data: expected {expected} bytes, found {found}")
            }
            NpyError::NonFinite { row, col } => {
                write!(f, "non-finite value (NaN or infinity) at row {row}, column {col}")
            }
        }
    }
}

impl std::error::Error for NpyError {}

/// Reads a 2-D float `.npy` into a row-major `Vec<f64>` with its `(rows, cols)`.
/// Fortran-ordered arrays are transposed into row-major order.
pub fn read_matrix(bytes: &[u8]) -> Result<(Vec<f64>, usize, usize), NpyError> {
    if bytes.len() < 8 || &bytes[..6] != b"\x93NUMPY" {
        return Err(NpyError::NotNpy);
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (hlen, start): (usize, usize) = match major {
        1 => {
            if bytes.len() < 10 {
                return Err(NpyError::Header("file ends inside the header length".into()));
            }
            (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10)
        }
        2 | 3 => {
            if bytes.len() < 12 {
                return Err(NpyError::Header("file ends inside the header length".into()));
            }
            (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12)
        }
        _ => return Err(NpyError::Version(major, minor)),
    };
    let end = start.checked_add(hlen).ok_or_else(|| NpyError::Header("header length overflows".into()))?;
    if bytes.len() < end {
        return Err(NpyError::Header(format!("header needs {hlen} bytes, file has {}", bytes.len() - start)));
    }
    let header = std::str::from_utf8(&bytes[start..end]).map_err(|_| NpyError::Header("header is not UTF-8".into()))?;
    let descr = dict_value(header, "descr")?;
    let descr = descr.trim().trim_matches(|c| c == '\'' || c == '"');
    let width = match descr {
        "<f4" => 4,
        "<f8" => 8,
        other => return Err(NpyError::Dtype(other.to_string())),
    };
    let fortran = match dict_value(header, "fortran_order")?.trim() {
        "True" => true,
        "False" => false,
        other => return Err(NpyError::Header(format!("fortran_order is {other:?}"))),
    };
    let shape_text = dict_value(header, "shape")?.trim();
    let inner = shape_text
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(|| NpyError::Header(format!("shape is not a tuple: {shape_text:?}")))?;
    let mut shape = Vec::new();
    for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        shape.push(part.parse::<usize>().map_err(|_| NpyError::Header(format!("bad shape entry {part:?}")))?);
    }
    if shape.len() != 2 {
        return Err(NpyError::Shape(shape));
    }
    let (rows, cols) = (shape[0], shape[1]);
    let count = rows.checked_mul(cols).ok_or_else(|| NpyError::Header("shape overflows".into()))?;
    let expected = count.checked_mul(width).ok_or_else(|| NpyError::Header("shape overflows".into()))?;
    let data = &bytes[end..];
    if data.len() != expected {
        return Err(NpyError::Length { expected, found: data.len() });
    }
    let mut out = vec![0.0f64; count];
    for (i, chunk) in data.chunks_exact(width).enumerate() {
        let v = if width == 4 {
            f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) as f64
        } else {
            f64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]])
        };
        // File position i is element (r, c) in C order, (c-major) in Fortran order.
        let (r, c) = if fortran { (i % rows.max(1), i / rows.max(1)) } else { (i / cols.max(1), i % cols.max(1)) };
        if !v.is_finite() {
            return Err(NpyError::NonFinite { row: r, col: c });
        }
        out[r * cols + c] = v;
    }
    Ok((out, rows, cols))
}

/// The text after `'key':` in the header dictionary, up to the next top-level comma.
fn dict_value<'a>(header: &'a str, key: &str) -> Result<&'a str, NpyError> {
    let pos = header
        .find(&format!("'{key}'"))
        .or_else(|| header.find(&format!("\"{key}\"")))
        .ok_or_else(|| NpyError::Header(format!("no {key:?} key")))?;
    let rest = &header[pos + key.len() + 2..];
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(':').ok_or_else(|| NpyError::Header(format!("no ':' after {key:?}")))?;
    let mut depth = 0i32;
    for (i, ch) in rest.char_indices() {
        match ch {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' => depth -= 1,
            '}' if depth == 0 => return Ok(&rest[..i]),
            '}' => depth -= 1,
            ',' if depth == 0 => return Ok(&rest[..i]),
            _ => {}
        }
    }
    Err(NpyError::Header(format!("unterminated value for {key:?}")))
}

/// Writes a row-major `rows x cols` matrix as a version-1.0 `<f8` C-order `.npy`.
pub fn write_matrix(data: &[f64], rows: usize, cols: usize) -> Vec<u8> {
    assert_eq!(data.len(), rows * cols, "write_matrix: data length != rows * cols");
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // Pad so that magic + version + length + header is a multiple of 64 bytes.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len() * 8);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(version: u8, header: &str, payload: &[u8]) -> Vec<u8> {
        let mut out = b"\x93NUMPY".to_vec();
        out.push(version);
        out.push(0);
        if version == 1 {
            out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn round_trip_f8() {
        let data: Vec<f64> = (0..12).map(|i| i as f64 * 0.5 - 2.0).collect();
        let bytes = write_matrix(&data, 3, 4);
        assert_eq!((bytes.len() - 12 * 8) % 64, 0);
        let (back, r, c) = read_matrix(&bytes).unwrap();
        assert_eq!((r, c), (3, 4));
        assert_eq!(back, data);
    }

    #[test]
    fn f4_v2_v3_and_fortran() {
        let vals = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        let payload: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
        for v in [1u8, 2, 3] {
            let c = build(v, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", &payload);
            assert_eq!(read_matrix(&c).unwrap(), (vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3));
        }
        // Fortran order: file holds columns one after another.
        let f = build(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n", &payload);
        assert_eq!(read_matrix(&f).unwrap(), (vec![1.0, 3.0, 5.0, 2.0, 4.0, 6.0], 2, 3));
    }

    #[test]
    fn clear_errors() {
        let p8 = vec![0u8; 48];
        assert_eq!(read_matrix(b"hello world"), Err(NpyError::NotNpy));
        assert!(matches!(
            read_matrix(&build(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", &p8)),
            Err(NpyError::Dtype(_))
        ));
        assert!(matches!(
            read_matrix(&build(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }", &p8)),
            Err(NpyError::Dtype(_))
        ));
        assert_eq!(
            read_matrix(&build(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", &p8)),
            Err(NpyError::Shape(vec![6]))
        );
        assert_eq!(
            read_matrix(&build(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }", &p8)),
            Err(NpyError::Shape(vec![1, 2, 3]))
        );
        assert_eq!(
            read_matrix(&build(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 4), }", &p8)),
            Err(NpyError::Length { expected: 64, found: 48 })
        );
        assert!(matches!(read_matrix(&build(9, "{}", &[])), Err(NpyError::Version(9, 0))));
        let mut nan = vec![0u8; 48];
        nan[40..48].copy_from_slice(&f64::NAN.to_le_bytes());
        assert_eq!(
            read_matrix(&build(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", &nan)),
            Err(NpyError::NonFinite { row: 1, col: 2 })
        );
        // Truncated everywhere: never panics.
        let good = write_matrix(&[1.0, 2.0, 3.0, 4.0], 2, 2);
        for cut in 0..good.len() {
            assert!(read_matrix(&good[..cut]).is_err());
        }
    }
}
