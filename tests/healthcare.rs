//! The healthcare project (examples/healthcare/versions/postgres|mysql) walked through the real
//! `migrator` binary with both application versions writing (see `migrator_tests::project`):
//! three declared versions of a clinic on each server.
//!
//! Postgres (issue 14): a GiST `EXCLUDE` constraint against double booking, an audit trigger
//! writing JSON rows into a log partitioned by year (a partition added), soft delete with a
//! partial unique index, a tenant policy (changed), a booking function whose signature changes
//! while both versions call it, a column rename, a new column with a CHECK.
//!
//! MySQL / MariaDB (issue 15): a stored procedure refusing double bookings (its body changes
//! while both versions call it), an audit trigger (changed to record a new column), a history
//! table partitioned by month (its catch-all partition split, and merged back on rollback), an
//! event purging soft-deleted rows (its schedule changed), a column rename.

use migrator_tests::cli::Engine;
use migrator_tests::project::{walk, Project, Step};

const PG_V1_WRITES: &[&str] = &[
    "INSERT INTO clinics (id, name) VALUES ({id}, 'Clinic {id}')",
    "INSERT INTO patients (id, clinic_id, name, email) VALUES ({id}, {id}, 'Patient {id}', 'p{id}@clinic.example')",
    "INSERT INTO doctors (id, name) VALUES ({id}, 'Dr {id}')",
    "SELECT book_appointment({id}, {id}, {id}, '2026-03-02 09:00+00', '2026-03-02 09:30+00')",
    "UPDATE appointments SET during = tstzrange(lower(during), upper(during) + interval '15 minutes') WHERE patient_id = {id}",
    "UPDATE patients SET deleted_at = now() WHERE id = {id}",
    "INSERT INTO patients (id, clinic_id, name, email) VALUES ({id} + 500000, {id}, 'Again {id}', 'p{id}@clinic.example')",
];

const PG_V2_WRITES: &[&str] = &[
    "INSERT INTO clinics (id, name) VALUES ({id}, 'Clinic {id}')",
    "INSERT INTO patients (id, clinic_id, name, email, phone) VALUES ({id}, {id}, 'Patient {id}', 'p{id}@clinic.example', '+1 555 {id}')",
    "INSERT INTO doctors (id, name) VALUES ({id}, 'Dr {id}')",
    "SELECT book_appointment({id}, {id}, {id}, '2026-03-02 09:00+00', '2026-03-02 09:30+00', 'first visit')",
    "UPDATE appointments SET notes = 'follow-up {id}' WHERE patient_id = {id}",
    "UPDATE patients SET deleted_at = now() WHERE id = {id}",
];

const PG_V3_WRITES: &[&str] = &[
    "INSERT INTO clinics (id, name) VALUES ({id}, 'Clinic {id}')",
    "INSERT INTO patients (id, clinic_id, name, email, phone) VALUES ({id}, {id}, 'Patient {id}', 'p{id}@clinic.example', '+1 555 {id}')",
    "INSERT INTO doctors (id, full_name) VALUES ({id}, 'Dr {id}')",
    "SELECT book_appointment({id}, {id}, {id}, '2026-03-02 09:00+00', '2026-03-02 09:30+00', 'first visit')",
    "UPDATE appointments SET status = 'cancelled', deleted_at = now() WHERE patient_id = {id}",
];

const PG_STEPS: &[Step] = &[
    Step {
        version: "v2",
        old: PG_V1_WRITES,
        new: PG_V2_WRITES,
        plan_args: &[],
        checks: &[
            ("SELECT count(*) FROM pg_inherits WHERE inhparent = 'audit_log'::regclass", "5"),
            ("SELECT count(*) FROM pg_proc WHERE proname = 'book_appointment'", "1"),
            ("SELECT (count(*) > 0)::int FROM appointments WHERE notes LIKE 'follow-up %'", "1"),
            ("SELECT (count(*) > 0)::int FROM audit_log WHERE row_data ->> 'notes' LIKE 'follow-up %'", "1"),
            ("SELECT count(*) FROM audit_log_rest", "0"),
        ],
    },
    Step {
        version: "v3",
        old: PG_V2_WRITES,
        new: PG_V3_WRITES,
        plan_args: &[],
        checks: &[
            ("SELECT count(*) FROM doctors WHERE id <= 20 AND full_name = 'Doctor ' || id", "20"),
            ("SELECT count(*) FROM appointments WHERE status IS NULL", "0"),
            ("SELECT (count(*) > 0)::int FROM audit_log WHERE row_data ->> 'status' = 'cancelled'", "1"),
            ("SELECT count(*) FROM pg_policy WHERE polname = 'appointments_clinic' AND polwithcheck IS NOT NULL", "1"),
        ],
    },
];

const PG_SEED: &[&str] = &[
    "INSERT INTO clinics (name) SELECT 'Clinic ' || g FROM generate_series(1, 5) g",
    "INSERT INTO doctors (name) SELECT 'Doctor ' || g FROM generate_series(1, 20) g",
    "INSERT INTO patients (clinic_id, name, email) SELECT g % 5 + 1, 'Patient ' || g, 'patient' || g || '@clinic.example' FROM generate_series(1, 500) g",
    "INSERT INTO appointments (clinic_id, patient_id, doctor_id, during, deleted_at) SELECT g % 5 + 1, g, g % 20 + 1, tstzrange(timestamptz '2026-01-01 08:00+00' + g * interval '1 hour', timestamptz '2026-01-01 08:30+00' + g * interval '1 hour'), CASE WHEN g % 10 = 0 THEN timestamptz '2026-02-01' END FROM generate_series(1, 500) g",
];

const PG_V1_CHECKS: &[(&str, &str)] = &[
    ("SELECT count(*) FROM appointments WHERE id <= 500", "500"),
    (
        "SELECT count(*) FROM doctors WHERE id <= 20 AND name = 'Doctor ' || id",
        "20",
    ),
    ("SELECT (count(*) >= 500)::int FROM audit_log", "1"),
];

const PG_HEALTHCARE: Project = Project {
    name: "healthcare",
    steps: PG_STEPS,
    seed: PG_SEED,
    v1_checks: PG_V1_CHECKS,
    before_rollback: &[],
    table: "appointments",
};

const MY_V1_WRITES: &[&str] = &[
    "INSERT INTO patients (id, name, email) VALUES ({id}, 'Patient {id}', 'p{id}@clinic.example')",
    "INSERT INTO doctors (id, name) VALUES ({id}, 'Dr {id}')",
    "CALL book_appointment({id}, {id}, '2026-03-02 09:00:00', '2026-03-02 09:30:00')",
    "UPDATE appointments SET ends_at = ends_at + INTERVAL 15 MINUTE WHERE patient_id = {id}",
    "UPDATE patients SET deleted_at = NOW() WHERE id = {id}",
];

const MY_V2_WRITES: &[&str] = &[
    "INSERT INTO patients (id, name, email, phone) VALUES ({id}, 'Patient {id}', 'p{id}@clinic.example', CONCAT('+1 555 ', {id}))",
    "INSERT INTO doctors (id, name) VALUES ({id}, 'Dr {id}')",
    "CALL book_appointment({id}, {id}, '2026-03-02 09:00:00', '2026-03-02 09:30:00')",
    "UPDATE appointments SET notes = CONCAT('follow-up ', {id}) WHERE patient_id = {id}",
    "UPDATE patients SET deleted_at = NOW() WHERE id = {id}",
];

const MY_V3_WRITES: &[&str] = &[
    "INSERT INTO patients (id, name, email, phone) VALUES ({id}, 'Patient {id}', 'p{id}@clinic.example', CONCAT('+1 555 ', {id}))",
    "INSERT INTO doctors (id, full_name) VALUES ({id}, 'Dr {id}')",
    "CALL book_appointment({id}, {id}, '2026-03-02 09:00:00', '2026-03-02 09:30:00')",
    "UPDATE appointments SET status = 'cancelled', deleted_at = NOW() WHERE patient_id = {id}",
];

const MY_STEPS: &[Step] = &[
    Step {
        version: "v2",
        old: MY_V1_WRITES,
        new: MY_V2_WRITES,
        plan_args: &[],
        checks: &[
            ("SELECT count(*) FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'appointment_history'", "4"),
            ("SELECT count(*) > 0 FROM appointments WHERE notes LIKE 'follow-up %'", "1"),
            // History rows are where their month says, whatever the date the test runs.
            ("SELECT count(*) FROM appointment_history PARTITION (hmax) WHERE changed_at < '2027-01-01'", "0"),
            ("SELECT count(*) > 0 FROM appointment_history WHERE appointment_id > 500", "1"),
        ],
    },
    Step {
        version: "v3",
        old: MY_V2_WRITES,
        new: MY_V3_WRITES,
        plan_args: &[],
        checks: &[
            ("SELECT count(*) FROM doctors WHERE id <= 20 AND full_name = CONCAT('Doctor ', id)", "20"),
            ("SELECT count(*) > 0 FROM appointment_history WHERE status = 'cancelled'", "1"),
            ("SELECT INTERVAL_VALUE FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() AND EVENT_NAME = 'purge_deleted_appointments'", "6"),
            ("SELECT count(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME <> 'appointments_audit'", "0"),
        ],
    },
];

/// AUTO_INCREMENT ids in insertion order (`ORDER BY seq`), as the checks compare them with it.
/// Appointments are soft-deleted now, not long ago: on a server whose event scheduler is on
/// (MySQL's default) the purge event runs whenever its schedule restarts, and the checks count
/// the seeded rows.
const MY_SEED: &[&str] = &[
    "INSERT INTO doctors (name) SELECT CONCAT('Doctor ', seq) FROM seq_1_to_20 ORDER BY seq",
    "INSERT INTO patients (name, email) SELECT CONCAT('Patient ', seq), CONCAT('patient', seq, '@clinic.example') FROM seq_1_to_500 ORDER BY seq",
    "INSERT INTO appointments (patient_id, doctor_id, starts_at, ends_at, deleted_at) SELECT seq, seq % 20 + 1, '2026-01-01 08:00:00' + INTERVAL seq HOUR, '2026-01-01 08:30:00' + INTERVAL seq HOUR, IF(seq % 10 = 0, NOW(), NULL) FROM seq_1_to_500 ORDER BY seq",
    "UPDATE appointments SET ends_at = ends_at + INTERVAL 5 MINUTE WHERE id <= 100",
];

const MY_V1_CHECKS: &[(&str, &str)] = &[
    ("SELECT count(*) FROM appointments WHERE id <= 500", "500"),
    (
        "SELECT count(*) FROM doctors WHERE id <= 20 AND name = CONCAT('Doctor ', id)",
        "20",
    ),
    ("SELECT count(*) >= 100 FROM appointment_history", "1"),
];

const MY_HEALTHCARE: Project = Project {
    name: "healthcare",
    steps: MY_STEPS,
    seed: MY_SEED,
    v1_checks: MY_V1_CHECKS,
    before_rollback: &[],
    table: "appointments",
};

async fn healthcare(engine: Engine) {
    walk(engine, &PG_HEALTHCARE, &MY_HEALTHCARE).await;
}

migrator_tests::on_both!(healthcare);
