//! `gliofuse radiomics`: pyradiomics-compatible feature extraction (issue 4), mirroring the
//! `pyradiomics` command line.
//!
//! - `gliofuse radiomics IMAGE MASK [--param params.yaml] [--out f.csv] [--format csv|json] [--label N]`
//! - `gliofuse radiomics batch cases.csv --out features.csv [--jobs N] [--shard k/n]`
//!   (`Image`, `Mask` columns, optional `Label`; other columns are carried to the output)
//! - `gliofuse radiomics merge shard1.csv shard2.csv ... --out features.csv`
//! - `gliofuse radiomics IMAGE MASK --voxel --out DIR [--format nrrd|nifti]`: feature maps
//!   (pyradiomics' voxel-based mode; see `radiomics_voxel.rs`)

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args as ClapArgs, Subcommand, ValueEnum};
use radiomics::settings::python_float_repr;
use radiomics::{Extraction, Extractor, Params};

use super::output::write_atomic;

#[derive(ClapArgs, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Sub>,
    /// Image file (.nrrd, .nhdr, .nii, .nii.gz).
    #[arg(required = true)]
    pub image: Option<PathBuf>,
    /// Mask (label map) file with the same geometry as the image.
    #[arg(required = true)]
    pub mask: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub voxel: super::radiomics_voxel::VoxelArgs,
}

#[derive(ClapArgs, Debug, Clone)]
pub struct Common {
    /// pyradiomics parameter file (YAML or JSON). Default: pyradiomics' default extractor.
    #[arg(long, short = 'p')]
    pub param: Option<PathBuf>,
    /// Output file (written atomically). Default: standard output. With --voxel: the folder
    /// the feature maps are written to.
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Output format: csv (default) or json; with --voxel, nrrd (default) or nifti (.nii.gz).
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
    /// Label value of the ROI in the mask (overrides the parameter file).
    #[arg(long, short = 'l')]
    pub label: Option<i64>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    /// Feature maps as NRRD (with --voxel).
    Nrrd,
    /// Feature maps as gzipped NIfTI (with --voxel).
    Nifti,
}

/// The table format of a segment-based extraction.
fn table_format(f: Option<Format>) -> Result<Format> {
    match f.unwrap_or(Format::Csv) {
        Format::Nrrd | Format::Nifti => {
            bail!("--format nrrd/nifti writes feature maps: add --voxel (and --out DIR), or use --format csv/json")
        }
        t => Ok(t),
    }
}

#[derive(Subcommand, Debug)]
pub enum Sub {
    /// Extract features for every case of a CSV with pyradiomics' `Image,Mask` columns.
    Batch(BatchArgs),
    /// Join the outputs of `batch --shard k/n` runs (given in shard order 1..n) into one file.
    Merge(MergeArgs),
}

#[derive(ClapArgs, Debug)]
pub struct BatchArgs {
    /// CSV with columns Image, Mask (paths relative to the CSV's folder), optional Label, and any
    /// other columns, which are copied to the output.
    pub cases: PathBuf,
    #[command(flatten)]
    pub common: Common,
    /// Cases processed in parallel.
    #[arg(long, short = 'j', default_value_t = 1)]
    pub jobs: usize,
    /// Process only shard k of n (1-based): cases k, k+n, k+2n, ...
    #[arg(long)]
    pub shard: Option<String>,
}

#[derive(ClapArgs, Debug)]
pub struct MergeArgs {
    /// Shard outputs (CSV or JSON, as written by `batch`), in shard order 1..n.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Merged output file.
    #[arg(long, short = 'o')]
    pub out: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    match args.command {
        Some(Sub::Batch(b)) => batch(b),
        Some(Sub::Merge(m)) => merge(m),
        None => {
            let image = args.image.ok_or_else(|| anyhow!("missing IMAGE"))?;
            let mask = args.mask.ok_or_else(|| anyhow!("missing MASK"))?;
            if args.voxel.voxel {
                return super::radiomics_voxel::run(&image, &mask, &args.common, &args.voxel);
            }
            single(&image, &mask, &args.common)
        }
    }
}

fn extractor(common: &Common) -> Result<Extractor> {
    let mut ex = match &common.param {
        Some(p) => Extractor::from_param_file(p)?,
        None => Extractor::new(Params::default())?,
    };
    if let Some(l) = common.label {
        ex.set_label(l);
    }
    Ok(ex)
}

fn extract(ex: &Extractor, image: &Path, mask: &Path) -> Result<Extraction> {
    ex.execute_files(image, mask).map_err(|e| match e {
        // These already name the file.
        radiomics::RadiomicsError::Io { .. } | radiomics::RadiomicsError::Format { .. } => {
            anyhow::Error::new(e)
        }
        other => {
            anyhow::Error::new(other).context(format!("{} + {}", image.display(), mask.display()))
        }
    })
}

/// One output row: the carried columns, then diagnostics (strings) and features (numbers).
struct Row {
    carried: Vec<(String, String)>,
    result: Option<Extraction>,
    error: Option<String>,
}

fn single(image: &Path, mask: &Path, common: &Common) -> Result<()> {
    table_format(common.format)?;
    let ex = extractor(common)?;
    let res = extract(&ex, image, mask)?;
    for w in &res.warnings {
        eprintln!("warning: {w}");
    }
    let row = Row {
        carried: vec![
            ("Image".into(), image.display().to_string()),
            ("Mask".into(), mask.display().to_string()),
        ],
        result: Some(res),
        error: None,
    };
    let bytes = match table_format(common.format)? {
        Format::Csv | Format::Nrrd | Format::Nifti => to_csv(&[row], false)?,
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&row_json(&row)).context("serialising JSON")?;
            s.push('\n');
            s.into_bytes()
        }
    };
    emit(common.out.as_deref(), &bytes)
}

fn emit(out: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(p) => write_atomic(p, bytes),
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(bytes)
                .context("writing to standard output")
        }
    }
}

fn row_json(row: &Row) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (k, v) in &row.carried {
        m.insert(k.clone(), serde_json::Value::String(v.clone()));
    }
    if let Some(r) = &row.result {
        for (k, v) in &r.diagnostics {
            m.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
        for (k, v) in &r.features {
            // NaN/inf are not JSON numbers: null.
            m.insert(
                k.clone(),
                serde_json::Number::from_f64(*v)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null),
            );
        }
    }
    if let Some(e) = &row.error {
        m.insert("error".into(), serde_json::Value::String(e.clone()));
    }
    serde_json::Value::Object(m)
}

fn to_csv(rows: &[Row], with_error: bool) -> Result<Vec<u8>> {
    // Column union in order of first appearance.
    let mut cols: Vec<String> = Vec::new();
    let mut seen: HashMap<String, ()> = HashMap::new();
    let mut add = |c: &str, cols: &mut Vec<String>| {
        if seen.insert(c.to_string(), ()).is_none() {
            cols.push(c.to_string());
        }
    };
    for r in rows {
        for (k, _) in &r.carried {
            add(k, &mut cols);
        }
    }
    for r in rows {
        if let Some(x) = &r.result {
            for (k, _) in &x.diagnostics {
                add(k, &mut cols);
            }
            for (k, _) in &x.features {
                add(k, &mut cols);
            }
        }
    }
    if with_error {
        add("error", &mut cols);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&cols)?;
    for r in rows {
        let mut vals: HashMap<&str, String> = HashMap::new();
        for (k, v) in &r.carried {
            vals.insert(k, v.clone());
        }
        if let Some(x) = &r.result {
            for (k, v) in &x.diagnostics {
                vals.insert(k, v.clone());
            }
            for (k, v) in &x.features {
                vals.insert(k, python_float_repr(*v));
            }
        }
        if let Some(e) = &r.error {
            vals.insert("error", e.clone());
        }
        w.write_record(
            cols.iter()
                .map(|c| vals.get(c.as_str()).cloned().unwrap_or_default()),
        )?;
    }
    w.into_inner().map_err(|e| anyhow!("writing CSV: {e}"))
}

fn parse_shard(s: &str) -> Result<(usize, usize)> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| anyhow!("--shard '{s}': expected k/n, e.g. 2/8"))?;
    let k: usize = k
        .trim()
        .parse()
        .map_err(|_| anyhow!("--shard '{s}': k must be a number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| anyhow!("--shard '{s}': n must be a number"))?;
    if n == 0 || k == 0 || k > n {
        bail!("--shard '{s}': need 1 <= k <= n");
    }
    Ok((k, n))
}

fn batch(args: BatchArgs) -> Result<()> {
    let out = args
        .common
        .out
        .clone()
        .ok_or_else(|| anyhow!("batch needs --out FILE"))?;
    table_format(args.common.format)?;
    let ex = extractor(&args.common)?;
    let cases_path = &args.cases;
    let mut rdr = csv::Reader::from_path(cases_path)
        .with_context(|| format!("reading {}", cases_path.display()))?;
    let header: Vec<String> = rdr
        .headers()
        .with_context(|| format!("reading {}", cases_path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (ic, mc) = match (col("Image"), col("Mask")) {
        (Some(i), Some(m)) => (i, m),
        _ => bail!(
            "{}: needs columns 'Image' and 'Mask' (pyradiomics batch format)",
            cases_path.display()
        ),
    };
    let lc = col("Label");
    let base = cases_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut cases = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: row {}", cases_path.display(), i + 2))?;
        cases.push(rec.iter().map(str::to_string).collect::<Vec<String>>());
    }
    let (k, n) = match &args.shard {
        Some(s) => parse_shard(s)?,
        None => (1, 1),
    };
    let selected: Vec<(usize, Vec<String>)> = cases
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % n == k - 1)
        .collect();
    // Column order: Image, Mask, then the other input columns in input order.
    let mut carried_order = vec![ic, mc];
    carried_order.extend((0..header.len()).filter(|&c| c != ic && c != mc));

    let pb = indicatif::ProgressBar::new(selected.len() as u64);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} cases [{elapsed_precise}<{eta_precise}] {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let resolve = |p: &str| -> PathBuf {
        let p = PathBuf::from(p);
        if p.is_absolute() { p } else { base.join(p) }
    };
    let work = |(i, rec): &(usize, Vec<String>)| -> Row {
        let carried: Vec<(String, String)> = carried_order
            .iter()
            .map(|&c| (header[c].clone(), rec.get(c).cloned().unwrap_or_default()))
            .collect();
        let row_no = i + 2;
        let result = (|| -> Result<Extraction> {
            let image = rec
                .get(ic)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| anyhow!("empty Image"))?;
            let mask = rec
                .get(mc)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| anyhow!("empty Mask"))?;
            let mut exl = ex.clone();
            if let Some(l) = lc.and_then(|c| rec.get(c)).filter(|s| !s.is_empty()) {
                exl.set_label(
                    l.trim()
                        .parse()
                        .map_err(|_| anyhow!("column Label: '{l}' is not an integer"))?,
                );
            }
            extract(&exl, &resolve(image), &resolve(mask))
        })();
        pb.inc(1);
        match result {
            Ok(r) => Row {
                carried,
                result: Some(r),
                error: None,
            },
            Err(e) => {
                let msg = format!("{}: row {row_no}: {e:#}", cases_path.display());
                pb.suspend(|| eprintln!("error: {msg}"));
                Row {
                    carried,
                    result: None,
                    error: Some(format!("{e:#}")),
                }
            }
        }
    };
    let rows: Vec<Row> = if args.jobs > 1 {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(args.jobs)
            .build()
            .context("starting worker threads")?;
        pool.install(|| {
            use rayon::prelude::*;
            selected.par_iter().map(work).collect()
        })
    } else {
        selected.iter().map(work).collect()
    };
    pb.finish_and_clear();
    let mut warned = std::collections::BTreeSet::new();
    for r in &rows {
        if let Some(x) = &r.result {
            for w in &x.warnings {
                if warned.insert(w.clone()) {
                    eprintln!("warning: {w}");
                }
            }
        }
    }
    let failed = rows.iter().filter(|r| r.error.is_some()).count();
    let bytes = match table_format(args.common.format)? {
        Format::Csv | Format::Nrrd | Format::Nifti => to_csv(&rows, failed > 0)?,
        Format::Json => {
            let v: Vec<serde_json::Value> = rows.iter().map(row_json).collect();
            let mut s = serde_json::to_string_pretty(&v).context("serialising JSON")?;
            s.push('\n');
            s.into_bytes()
        }
    };
    write_atomic(&out, &bytes)?;
    if failed > 0 {
        bail!(
            "{failed} of {} cases failed (listed above and in the 'error' column of {}); the other cases were written",
            rows.len(),
            out.display()
        );
    }
    Ok(())
}

fn merge(args: MergeArgs) -> Result<()> {
    let is_json = |p: &Path| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    };
    let json = is_json(&args.out);
    if args.inputs.iter().any(|p| is_json(p) != json) {
        bail!("merge: inputs and --out must all be CSV or all be JSON");
    }
    if json {
        let mut shards: Vec<std::vec::IntoIter<serde_json::Value>> = Vec::new();
        for p in &args.inputs {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            let v: Vec<serde_json::Value> = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a JSON array of cases", p.display()))?;
            shards.push(v.into_iter());
        }
        let mut all = Vec::new();
        loop {
            let mut any = false;
            for s in shards.iter_mut() {
                if let Some(v) = s.next() {
                    all.push(v);
                    any = true;
                }
            }
            if !any {
                break;
            }
        }
        let mut s = serde_json::to_string_pretty(&all).context("serialising JSON")?;
        s.push('\n');
        return write_atomic(&args.out, s.as_bytes());
    }
    let mut cols: Vec<String> = Vec::new();
    let mut shards: Vec<std::vec::IntoIter<HashMap<String, String>>> = Vec::new();
    for p in &args.inputs {
        let mut rdr =
            csv::Reader::from_path(p).with_context(|| format!("reading {}", p.display()))?;
        let header: Vec<String> = rdr
            .headers()
            .with_context(|| format!("reading {}", p.display()))?
            .iter()
            .map(str::to_string)
            .collect();
        if !header.iter().any(|h| h == "Image") || !header.iter().any(|h| h == "Mask") {
            bail!(
                "{}: not a radiomics batch output (no Image/Mask columns)",
                p.display()
            );
        }
        for h in &header {
            if !cols.contains(h) && h != "error" {
                cols.push(h.clone());
            }
        }
        let mut rows = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.with_context(|| format!("{}: row {}", p.display(), i + 2))?;
            rows.push(
                header
                    .iter()
                    .cloned()
                    .zip(rec.iter().map(str::to_string))
                    .collect::<HashMap<_, _>>(),
            );
        }
        shards.push(rows.into_iter());
    }
    let mut merged = Vec::new();
    loop {
        let mut any = false;
        for s in shards.iter_mut() {
            if let Some(r) = s.next() {
                merged.push(r);
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    if merged
        .iter()
        .any(|r| r.get("error").is_some_and(|e| !e.is_empty()))
    {
        cols.push("error".into());
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&cols)?;
    for r in &merged {
        w.write_record(cols.iter().map(|c| r.get(c).cloned().unwrap_or_default()))?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow!("writing CSV: {e}"))?;
    write_atomic(&args.out, &bytes)
}
