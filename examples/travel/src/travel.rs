//! The travel agent: a chat agent for `useAgentChat` whose model searches
//! flights (on the server), asks the browser where the user is, and books a
//! flight only once the user approves.

use serde::{Deserialize, Serialize};
use worker::Env;
use workers_agents::chat::{Chat, ChatTool, ChatTools};
use workers_agents::prelude::*;

use crate::flights::{self, Flight};

/// What the model is told about its job and its tools.
pub const SYSTEM_PROMPT: &str = "You are a travel agent who finds and books flights.
Tools:
- get_user_location: the city the user is in (their browser tells). Call it when the user does not say where they leave from.
- search_flights {from, to}: flights between two airports or cities (IATA codes like OSL or LIS, or city names). Always search before you offer a flight; never invent flights.
- book_flight {flight_id}: books a flight by an id that search_flights returned. The user is asked to approve every booking; if they deny it, nothing is booked: say so and ask what they would like instead.
Keep answers short: name the flight (airline, times, price in euros) when you offer or book one.";

/// Most model calls of one turn (each tool result is read in the next call).
pub const MAX_STEPS: usize = 5;

/// `search_flights`'s arguments.
#[derive(Debug, Deserialize, Schema)]
pub struct Route {
    /// The departure airport code or city.
    pub from: String,
    /// The arrival airport code or city.
    pub to: String,
}

/// `book_flight`'s arguments.
#[derive(Debug, Deserialize, Schema)]
pub struct BookingRequest {
    /// An id from `search_flights`, like `OSL-LIS-1`.
    pub flight_id: String,
}

/// A stored booking (what `bookings()` lists and `book_flight` answers).
#[derive(Debug, Clone, Serialize, Deserialize, Schema)]
pub struct Booking {
    /// The booking's reference, `TRV-00001` onwards.
    pub reference: String,
    /// The flight booked.
    pub flight_id: String,
    /// Departure airport.
    pub from: String,
    /// Arrival airport.
    pub to: String,
    /// The airline.
    pub airline: String,
    /// Departure time.
    pub departs: String,
    /// Arrival time.
    pub arrives: String,
    /// The fare in euros.
    pub price_eur: u32,
    /// When it was booked (ms since the epoch).
    pub booked_ms: f64,
}

const TABLE: &str = "CREATE TABLE IF NOT EXISTS travel_bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    flight_id TEXT NOT NULL, from_code TEXT NOT NULL, to_code TEXT NOT NULL, airline TEXT NOT NULL,
    departs TEXT NOT NULL, arrives TEXT NOT NULL, price_eur INTEGER NOT NULL, booked_ms REAL NOT NULL)";

/// A booking row as a [`Booking`].
const COLUMNS: &str = "printf('TRV-%05d', id) AS reference, flight_id, from_code AS \"from\", to_code AS \"to\",
    airline, departs, arrives, price_eur, booked_ms";

/// The travel agent (`/agents/travel-agent/{name}`): one conversation per
/// instance, its bookings in the instance's SQLite.
#[derive(Debug)]
pub struct TravelAgent;

impl TravelAgent {
    /// `search_flights`: the route's flights (an error the model reads for a bad place).
    async fn search_flights(&self, _ctx: &Context<Self>, route: Route) -> Result<Vec<Flight>, String> {
        flights::search(&route.from, &route.to)
    }

    /// `book_flight`, run only once the user approved: stores the booking.
    async fn book_flight(&self, ctx: &Context<Self>, request: BookingRequest) -> Result<Booking> {
        let flight = flights::find(&request.flight_id).map_err(Error::msg)?;
        let sql = ctx.sql();
        sql.execute(TABLE, vec![])?;
        let booked_ms = worker::Date::now().as_millis() as f64;
        let stored: Vec<Booking> = sql.query(
            &format!(
                "INSERT INTO travel_bookings (flight_id, from_code, to_code, airline, departs, arrives, price_eur, booked_ms)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
            ),
            workers_agents::params![
                flight.id.as_str(),
                flight.from.as_str(),
                flight.to.as_str(),
                flight.airline.as_str(),
                flight.departs.as_str(),
                flight.arrives.as_str(),
                f64::from(flight.price_eur),
                booked_ms
            ],
        )?;
        stored.into_iter().next().ok_or_else(|| Error::msg("the booking was not stored"))
    }
}

#[agent]
impl Agent for TravelAgent {
    type State = ();

    fn new(_env: &Env) -> Self {
        TravelAgent
    }

    fn initial_state(&self) {}

    fn chat() -> Option<Chat> {
        Some(Chat::new().system(SYSTEM_PROMPT))
    }

    fn chat_tools() -> ChatTools<Self> {
        ChatTools::new()
            .server(
                ChatTool::new(
                    "search_flights",
                    "Finds the flights between two airports or cities, with their ids, times and fares",
                ),
                Self::search_flights,
            )
            .browser::<()>(ChatTool::new("get_user_location", "The city the user is in, as their browser tells it"))
            .needs_approval(
                ChatTool::new(
                    "book_flight",
                    "Books a flight by its id from search_flights (the user approves it first)",
                ),
                Self::book_flight,
            )
            .max_steps(MAX_STEPS)
    }

    /// The bookings so far, read before every model call: the model knows
    /// what is booked (the agent's SQL as model context).
    fn chat_context(&self, ctx: &Context<Self>) -> Result<Option<String>> {
        let bookings = stored_bookings(ctx)?;
        if bookings.is_empty() {
            return Ok(Some("The user has no bookings yet.".into()));
        }
        let lines: Vec<String> = bookings
            .iter()
            .map(|b| {
                format!(
                    "- {} {}: {} {} to {}, departs {}, arrives {}, {} EUR",
                    b.reference, b.flight_id, b.airline, b.from, b.to, b.departs, b.arrives, b.price_eur
                )
            })
            .collect();
        Ok(Some(format!("The user's bookings so far:\n{}", lines.join("\n"))))
    }

    /// The bookings made so far, oldest first.
    #[callable]
    async fn bookings(&self, ctx: &Context<Self>) -> Result<Vec<Booking>> {
        stored_bookings(ctx)
    }
}

/// The stored bookings, oldest first (none before the first booking made
/// the table).
fn stored_bookings(ctx: &Context<TravelAgent>) -> Result<Vec<Booking>> {
    let tables: Vec<String> =
        ctx.sql().query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'travel_bookings'", vec![])?;
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    ctx.sql().query(&format!("SELECT {COLUMNS} FROM travel_bookings ORDER BY id"), vec![])
}
