//! Reading CSV tables with the file, line and column in every error message (shared by the
//! `evaluate` and `survival` commands).

use std::path::Path;

use anyhow::{Result, anyhow, bail};

/// A CSV file held in memory: header and records with their line numbers.
pub struct Table {
    pub path: String,
    pub headers: Vec<String>,
    /// (line number in the file, record)
    pub rows: Vec<(u64, csv::StringRecord)>,
}

impl Table {
    pub fn read(path: &Path) -> Result<Table> {
        let name = path.display().to_string();
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| anyhow!("{name}: cannot read: {}", io_msg(&e)))?;
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| anyhow!("{name}: line 1: cannot read the header: {}", io_msg(&e)))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                anyhow!("{name}: line {line}: {}", io_msg(&e))
            })?;
            let line = rec.position().map_or(rows.len() as u64 + 2, |p| p.line());
            rows.push((line, rec));
        }
        if rows.is_empty() {
            bail!("{name}: line 2: no data rows after the header");
        }
        Ok(Table {
            path: name,
            headers,
            rows,
        })
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    pub fn col(&self, name: &str) -> Result<usize> {
        self.find(name).ok_or_else(|| {
            anyhow!(
                "{}: line 1, column {name}: missing column '{name}' (found: {}); add it to the header",
                self.path,
                self.headers.join(", ")
            )
        })
    }

    pub fn cell(&self, r: usize, c: usize) -> &str {
        self.rows[r].1.get(c).unwrap_or("")
    }

    pub fn at(&self, r: usize, c: usize) -> String {
        format!(
            "{}: line {}, column {}",
            self.path, self.rows[r].0, self.headers[c]
        )
    }

    /// A finite number.
    pub fn number(&self, r: usize, c: usize) -> Result<f64> {
        let s = self.cell(r, c);
        let v: f64 = s
            .parse()
            .map_err(|_| anyhow!("{}: '{s}' is not a number", self.at(r, c)))?;
        if !v.is_finite() {
            bail!(
                "{}: '{s}' is NaN or infinite; every value must be a finite number",
                self.at(r, c)
            );
        }
        Ok(v)
    }

    /// A 0/1 flag (also true/false).
    pub fn flag(&self, r: usize, c: usize) -> Result<bool> {
        match self.cell(r, c).to_ascii_lowercase().as_str() {
            "1" | "1.0" | "true" => Ok(true),
            "0" | "0.0" | "false" => Ok(false),
            s => bail!("{}: '{s}' must be 0 or 1", self.at(r, c)),
        }
    }

    pub fn all_lines(&self, c: usize) -> String {
        let first = self.rows[0].0;
        let last = self.rows[self.rows.len() - 1].0;
        format!(
            "{}: lines {first}-{last}, column {}",
            self.path, self.headers[c]
        )
    }
}

fn io_msg(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{len} fields, but the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_string(),
        _ => e.to_string(),
    }
}
