/** The payments database's migrations, oldest first: the service, its tools and the tests apply this list. */
import { Migration20261121000000_initial } from "./Migration20261121000000_initial.js";
import { Migration20261121180000_outbox_fillfactor } from "./Migration20261121180000_outbox_fillfactor.js";
import { Migration20261121230000_outbox_parked_index } from "./Migration20261121230000_outbox_parked_index.js";
import { Migration20261122000000_conflict_guard } from "./Migration20261122000000_conflict_guard.js";

export const paymentsMigrations = [Migration20261121000000_initial, Migration20261121180000_outbox_fillfactor, Migration20261121230000_outbox_parked_index, Migration20261122000000_conflict_guard];
