//! The flights the travel agent offers: made up, but the same every time for
//! the same route (generated from the two airports), so a search can be
//! booked later by the flight's id alone.

use serde::{Deserialize, Serialize};
use workers_agents::Schema;

/// Flights a search returns for one route.
pub const FLIGHTS_PER_ROUTE: u32 = 3;
/// Longest airport code or city name a search accepts, in bytes.
pub const MAX_PLACE_BYTES: usize = 40;

const AIRLINES: [&str; 4] = ["Skyway", "Nordic Air", "Atlantic", "Aurora"];

/// One flight of a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Schema)]
pub struct Flight {
    /// `FROM-TO-N`: what `book_flight` takes.
    pub id: String,
    /// The departure airport (as the search named it, upper case).
    pub from: String,
    /// The arrival airport.
    pub to: String,
    /// The airline.
    pub airline: String,
    /// Departure, local time `HH:MM`.
    pub departs: String,
    /// Arrival, `HH:MM` (`+1` when the next day).
    pub arrives: String,
    /// The fare in euros.
    pub price_eur: u32,
}

/// An airport code or city as a search's key: ASCII letters and digits,
/// upper case (`"Lisbon "` → `LISBON`, `"lis"` → `LIS`); an error for a
/// name with none, or longer than [`MAX_PLACE_BYTES`].
pub fn place_code(what: &str, name: &str) -> Result<String, String> {
    if name.len() > MAX_PLACE_BYTES {
        return Err(format!("{what} must be at most {MAX_PLACE_BYTES} bytes"));
    }
    let code: String = name.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
    if code.is_empty() {
        return Err(format!("{what} must name an airport or a city (letters or digits), got {name:?}"));
    }
    Ok(code)
}

/// FNV-1a: a stable hash of the route, the seed of its flights.
fn seed(from: &str, to: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in from.bytes().chain([b'>']).chain(to.bytes()) {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

fn clock(minutes: u32) -> String {
    let day = minutes / (24 * 60);
    let time = format!("{:02}:{:02}", (minutes / 60) % 24, minutes % 60);
    if day > 0 {
        format!("{time} +{day}")
    } else {
        time
    }
}

/// The `n`th flight (1-based) of the route between two codes.
fn flight(from: &str, to: &str, n: u32) -> Flight {
    let hash = seed(from, to);
    let mix = hash.rotate_left(n * 7) ^ n.wrapping_mul(0x9e37_79b9);
    // Departures spread over the day, in order: the first in the morning.
    let departs = 6 * 60 + (n - 1) * 5 * 60 + (mix % 48) * 5;
    let duration = 55 + (hash % 60) * 5 + n * 10;
    Flight {
        id: format!("{from}-{to}-{n}"),
        from: from.to_owned(),
        to: to.to_owned(),
        airline: AIRLINES[(mix % AIRLINES.len() as u32) as usize].to_owned(),
        departs: clock(departs),
        arrives: clock(departs + duration),
        price_eur: 49 + (mix >> 8) % 400,
    }
}

/// The flights from `from` to `to` (airport codes or cities), by departure.
pub fn search(from: &str, to: &str) -> Result<Vec<Flight>, String> {
    let (from, to) = (place_code("from", from)?, place_code("to", to)?);
    if from == to {
        return Err(format!("from and to are the same place ({from})"));
    }
    Ok((1..=FLIGHTS_PER_ROUTE).map(|n| flight(&from, &to, n)).collect())
}

/// The flight an id names (as [`search`] made it), or why there is none.
pub fn find(id: &str) -> Result<Flight, String> {
    let unknown = || format!("No flight {id:?}: use an id from search_flights (like \"OSL-LIS-1\")");
    let mut parts = id.split('-');
    let (Some(from), Some(to), Some(n), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(unknown());
    };
    let n: u32 = n.parse().map_err(|_| unknown())?;
    let canonical = |code: &str| place_code("", code).ok().filter(|c| c == code && c.len() <= MAX_PLACE_BYTES);
    match (canonical(from), canonical(to)) {
        (Some(from), Some(to)) if from != to && (1..=FLIGHTS_PER_ROUTE).contains(&n) => Ok(flight(&from, &to, n)),
        _ => Err(unknown()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_has_the_same_flights_every_time_in_departure_order() {
        let flights = search("osl", "Lisbon").unwrap();
        assert_eq!(flights, search("OSL", " lisbon ").unwrap());
        assert_eq!(
            flights.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
            ["OSL-LISBON-1", "OSL-LISBON-2", "OSL-LISBON-3"]
        );
        let departures: Vec<&str> = flights.iter().map(|f| f.departs.as_str()).collect();
        let mut sorted = departures.clone();
        sorted.sort();
        assert_eq!(departures, sorted);
        assert!(flights.iter().all(|f| (49..449).contains(&f.price_eur) && f.from == "OSL" && f.to == "LISBON"));
        // Another route, other flights.
        assert_ne!(
            search("OSL", "BER").unwrap().iter().map(|f| (&f.departs, f.price_eur)).collect::<Vec<_>>(),
            search("BER", "OSL").unwrap().iter().map(|f| (&f.departs, f.price_eur)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn an_id_finds_the_flight_the_search_offered() {
        for flight in search("OSL", "LIS").unwrap() {
            assert_eq!(find(&flight.id).unwrap(), flight);
        }
    }

    #[test]
    fn refuses_bad_places_and_unknown_ids() {
        assert_eq!(search("OSL", "osl").unwrap_err(), "from and to are the same place (OSL)");
        assert!(search("", "LIS").unwrap_err().contains("from must name an airport"));
        assert!(search("OSL", "--").unwrap_err().contains("to must name an airport"));
        assert!(search(&"x".repeat(41), "LIS").unwrap_err().contains("at most 40 bytes"));
        for id in
            ["", "OSL-LIS", "OSL-LIS-0", "OSL-LIS-4", "OSL-LIS-1-2", "osl-LIS-1", "OSL-OSL-1", "OSL-LIS-x", "O L-LIS-1"]
        {
            assert!(find(id).unwrap_err().starts_with("No flight"), "{id}");
        }
    }

    #[test]
    fn late_arrivals_say_the_next_day() {
        assert_eq!(clock(23 * 60 + 59), "23:59");
        assert_eq!(clock(24 * 60 + 5), "00:05 +1");
    }
}
