//! Git sources: list a repository's tags, pick the highest semver release in a range,
//! clone it shallowly. Shells out to `git` (no prompts, a timeout on every command);
//! never runs anything from the repository.

use std::path::Path;

use super::{PackageError, GIT_TIMEOUT};

/// A release: a tag and the version it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The tag as it is (`v1.2.0`), what the original stored as the version.
    pub tag: String,
    /// Its version.
    pub version: semver::Version,
}

async fn git(args: &[&str], cwd: Option<&Path>) -> Result<String, PackageError> {
    let mut cmd = tokio::process::Command::new("git");
    cmd.args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env(
            "GIT_SSH_COMMAND",
            "ssh -o BatchMode=yes -o ConnectTimeout=20",
        )
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let out = tokio::time::timeout(GIT_TIMEOUT, cmd.output())
        .await
        .map_err(|_| {
            PackageError::Source(format!(
                "git {} timed out after {} s",
                args[0],
                GIT_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|e| PackageError::Source(format!("cannot run git: {e} (is git installed?)")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("failed")
            .trim()
            .trim_start_matches("fatal: ");
        return Err(PackageError::Source(format!("git {}: {line}", args[0])));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The semver tags of `url`.
pub async fn releases(url: &str) -> Result<Vec<Release>, PackageError> {
    let out = git(&["ls-remote", "--tags", "--refs", "--", url], None).await?;
    Ok(parse_tags(&out))
}

fn parse_tags(ls_remote: &str) -> Vec<Release> {
    ls_remote
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter_map(|r| r.strip_prefix("refs/tags/"))
        .filter_map(|tag| {
            let version = semver::Version::parse(tag.strip_prefix('v').unwrap_or(tag)).ok()?;
            Some(Release {
                tag: tag.to_string(),
                version,
            })
        })
        .collect()
}

/// The highest release matching `range` (default: any release, pre-releases only when
/// the range names one); `None` when the repository has no semver tags at all and no
/// range was asked for (then the default branch is used).
pub async fn pick(url: &str, range: Option<&str>) -> Result<Option<Release>, PackageError> {
    let all = releases(url).await?;
    choose(&all, range)
}

fn choose(all: &[Release], range: Option<&str>) -> Result<Option<Release>, PackageError> {
    let range = range.filter(|r| !r.is_empty() && *r != "latest");
    let req = match range {
        Some(r) => semver::VersionReq::parse(r)
            .map_err(|e| PackageError::Source(format!("invalid semver range {r:?}: {e}")))?,
        None => semver::VersionReq::STAR,
    };
    if all.is_empty() {
        return match range {
            Some(r) => Err(PackageError::Source(format!(
                "no release (semver git tag) matches {r:?}: the repository has no semver tags"
            ))),
            None => Ok(None),
        };
    }
    let best = all
        .iter()
        .filter(|r| req.matches(&r.version))
        .max_by(|a, b| a.version.cmp(&b.version))
        .cloned();
    match (best, range) {
        (Some(best), _) => Ok(Some(best)),
        (None, Some(r)) => Err(PackageError::Source(format!(
            "no release (semver git tag) matches {r:?}"
        ))),
        (None, None) => Ok(None),
    }
}

/// Clones `url` at `tag` (or its default branch) into `into`, shallowly.
pub async fn clone(url: &str, tag: Option<&str>, into: &Path) -> Result<(), PackageError> {
    let into_s = into.to_string_lossy();
    let mut args = vec![
        "clone",
        "--quiet",
        "--depth",
        "1",
        "--no-recurse-submodules",
    ];
    if let Some(tag) = tag {
        args.extend(["--branch", tag]);
    }
    args.extend(["--", url, &into_s]);
    git(&args, None).await.map(|_| ())
}

/// The commit checked out in `dir`.
pub async fn head(dir: &Path) -> Result<String, PackageError> {
    Ok(git(&["rev-parse", "HEAD"], Some(dir))
        .await?
        .trim()
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(tags: &[&str]) -> Vec<Release> {
        let text: String = tags
            .iter()
            .map(|t| format!("0000\trefs/tags/{t}\n"))
            .collect();
        parse_tags(&text)
    }

    #[test]
    fn the_highest_release_in_range_wins_and_prereleases_need_asking() {
        let all = rel(&["v1.0.0", "v1.2.0", "1.10.0", "v2.0.0-beta.1", "nightly"]);
        assert_eq!(all.len(), 4);
        let tag = |r: Option<&str>| choose(&all, r).unwrap().map(|r| r.tag);
        assert_eq!(tag(None).as_deref(), Some("1.10.0"));
        assert_eq!(tag(Some("~1.2")).as_deref(), Some("v1.2.0"));
        assert_eq!(
            tag(Some(">=2.0.0-beta.0")).as_deref(),
            Some("v2.0.0-beta.1")
        );
        assert!(choose(&all, Some("^3"))
            .unwrap_err()
            .to_string()
            .contains("\"^3\""));
        assert!(choose(&all, Some("not a range")).is_err());
        assert_eq!(choose(&[], None).unwrap(), None);
        assert!(choose(&[], Some("^1")).is_err());
    }
}
