//! The changes made at the simulator between the full fetch and the incremental sync, through
//! its admin API as an ABM administrator would make them: a fixed mix, the same every run.

use anyhow::Context;
use cultivar_abm_sim::{admin_types::BatchResult, state::DevicePatch, SimAdminClient};

/// How many changes of each kind: 40 % modified, 20 % moved to another MDM server, 20 %
/// released, the rest new devices (limited to the devices there are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    pub modify: usize,
    pub moves: usize,
    pub releases: usize,
    pub adds: u32,
}

impl Mix {
    pub fn new(changes: u32, devices: u32) -> Mix {
        let (c, n) = (changes as usize, devices as usize);
        let modify = (c * 2 / 5).min(n);
        let moves = (c / 5).min(n - modify);
        let releases = (c / 5).min(n - modify - moves);
        let existing = modify + moves + releases;
        // `existing` <= `changes`, so this fits.
        let adds = changes - u32::try_from(existing).unwrap_or(changes);
        Mix {
            modify,
            moves,
            releases,
            adds,
        }
    }

    /// Existing devices the mix touches.
    pub fn existing(&self) -> usize {
        self.modify + self.moves + self.releases
    }
}

/// The mix and whom it applies to.
pub struct Plan {
    pub mix: Mix,
    /// At least [`Mix::existing`] serials of the benchmark's server.
    pub serials: Vec<String>,
    /// The MDM server moved devices go to.
    pub elsewhere: String,
}

/// What the simulator applied.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Made {
    pub modified: u64,
    pub moved: u64,
    pub released: u64,
    pub added: u64,
}

impl Made {
    /// Devices that left the benchmark's server.
    pub fn removed(&self) -> u64 {
        self.moved + self.released
    }

    pub fn total(&self) -> u64 {
        self.modified + self.moved + self.released + self.added
    }
}

pub async fn apply(sim: &SimAdminClient, plan: &Plan) -> anyhow::Result<Made> {
    let mix = plan.mix;
    let serials = plan
        .serials
        .get(..mix.existing())
        .context("changes: fewer serials kept than the mix needs")?;
    let (modify, rest) = serials.split_at(mix.modify);
    let (moves, releases) = rest.split_at(mix.moves);
    let mut made = Made::default();
    for (i, serial) in modify.iter().enumerate() {
        let patch = DevicePatch {
            color: Some("BENCH-RED".into()),
            asset_tag: Some(format!("BENCH-{i}")),
            ..DevicePatch::default()
        };
        sim.modify_device(serial, &patch).await?;
        made.modified += 1;
    }
    if !moves.is_empty() {
        made.moved = applied(sim.move_devices(moves, &plan.elsewhere).await?, "move")?;
    }
    if !releases.is_empty() {
        made.released = applied(sim.release(releases).await?, "release")?;
    }
    if mix.adds > 0 {
        // New devices go to the default server, the benchmark's.
        made.added = sim.add_devices(mix.adds, Some("mix")).await?.serials.len() as u64;
    }
    Ok(made)
}

fn applied(result: BatchResult, what: &str) -> anyhow::Result<u64> {
    if let Some(e) = result.errors.first() {
        anyhow::bail!("changes: {what} of {} refused: {}", e.value, e.error);
    }
    Ok(result.applied.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_two_fifths_modified_one_fifth_moved_released_and_added() {
        let m = Mix::new(1000, 500_000);
        assert_eq!(
            (m.modify, m.moves, m.releases, m.adds),
            (400, 200, 200, 200)
        );
        assert_eq!(m.existing(), 800);
        // Rounding goes to the new devices.
        let m = Mix::new(7, 100);
        assert_eq!((m.modify, m.moves, m.releases, m.adds), (2, 1, 1, 3));
    }

    #[test]
    fn a_small_fleet_limits_the_changes_to_existing_devices() {
        let m = Mix::new(1000, 500);
        assert_eq!((m.modify, m.moves, m.releases, m.adds), (400, 100, 0, 500));
        let m = Mix::new(10, 0);
        assert_eq!((m.existing(), m.adds), (0, 10));
    }

    #[test]
    fn made_counts_what_left_the_server() {
        let made = Made {
            modified: 4,
            moved: 2,
            released: 3,
            added: 1,
        };
        assert_eq!((made.removed(), made.total()), (5, 10));
    }
}
