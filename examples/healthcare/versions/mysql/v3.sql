-- A clinic (MySQL / MariaDB), version 3: version 2 with doctors' name renamed to full_name, a
-- NOT NULL status on appointments ('booked' for the rows there) that the audit trigger
-- records, and the purge every 6 hours.

CREATE TABLE patients (
  id bigint AUTO_INCREMENT PRIMARY KEY,
  name varchar(100) NOT NULL,
  email varchar(200),
  phone varchar(30),
  deleted_at datetime NULL,
  UNIQUE KEY patients_email (email)
);

CREATE TABLE doctors (
  id bigint AUTO_INCREMENT PRIMARY KEY,
  full_name varchar(100) NOT NULL -- migrator:renamed-from name
);

CREATE TABLE appointments (
  id bigint AUTO_INCREMENT PRIMARY KEY,
  patient_id bigint NOT NULL,
  doctor_id bigint NOT NULL,
  starts_at datetime NOT NULL,
  ends_at datetime NOT NULL,
  deleted_at datetime NULL,
  notes text,
  status enum('booked','cancelled') NOT NULL DEFAULT 'booked',
  KEY appointments_doctor_time (doctor_id, starts_at),
  CONSTRAINT appointments_patient FOREIGN KEY (patient_id) REFERENCES patients (id),
  CONSTRAINT appointments_doctor FOREIGN KEY (doctor_id) REFERENCES doctors (id),
  CONSTRAINT appointments_time CHECK (ends_at > starts_at)
);

-- Monthly partitions; rows past the last month land in hmax.
CREATE TABLE appointment_history (
  id bigint NOT NULL AUTO_INCREMENT,
  changed_at datetime NOT NULL,
  appointment_id bigint NOT NULL,
  action varchar(10) NOT NULL,
  status varchar(10),
  PRIMARY KEY (id, changed_at)
)
PARTITION BY RANGE COLUMNS(changed_at) (
  PARTITION h2026_10 VALUES LESS THAN ('2026-11-01'),
  PARTITION h2026_11 VALUES LESS THAN ('2026-12-01'),
  PARTITION h2026_12 VALUES LESS THAN ('2027-01-01'),
  PARTITION hmax VALUES LESS THAN (MAXVALUE)
);

CREATE TRIGGER appointments_audit AFTER UPDATE ON appointments FOR EACH ROW
  INSERT INTO appointment_history (changed_at, appointment_id, action, status) VALUES (NOW(), NEW.id, 'update', NEW.status);

CREATE PROCEDURE book_appointment(IN p_patient bigint, IN p_doctor bigint, IN p_starts datetime, IN p_ends datetime)
MODIFIES SQL DATA
BEGIN
  IF EXISTS (SELECT 1 FROM appointments WHERE doctor_id = p_doctor AND deleted_at IS NULL
             AND starts_at < p_ends AND ends_at > p_starts) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the doctor is booked at that time';
  END IF;
  IF EXISTS (SELECT 1 FROM appointments WHERE patient_id = p_patient AND deleted_at IS NULL
             AND starts_at < p_ends AND ends_at > p_starts) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the patient has another appointment then';
  END IF;
  INSERT INTO appointments (patient_id, doctor_id, starts_at, ends_at) VALUES (p_patient, p_doctor, p_starts, p_ends);
END;

CREATE EVENT purge_deleted_appointments ON SCHEDULE EVERY 6 HOUR
  DO DELETE FROM appointments WHERE deleted_at < NOW() - INTERVAL 30 DAY;
