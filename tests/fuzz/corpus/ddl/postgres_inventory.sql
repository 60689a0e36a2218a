-- Columns added and keys declared after the table, as migrations do.
CREATE TABLE warehouses (
    warehouse_code varchar(8),
    city varchar(80) NOT NULL,
    country varchar(80) NOT NULL,
    opened date
);
ALTER TABLE warehouses ADD CONSTRAINT warehouses_pkey PRIMARY KEY (warehouse_code);
ALTER TABLE warehouses ADD COLUMN phone varchar(32), ADD COLUMN manager_name varchar(100);

CREATE TABLE stock (
    warehouse_code varchar(8) NOT NULL,
    item_sku varchar(20) NOT NULL,
    quantity integer NOT NULL DEFAULT 0,
    reorder_level integer CHECK (reorder_level >= 5),
    last_counted_at timestamp
);
ALTER TABLE ONLY stock ADD CONSTRAINT stock_pkey PRIMARY KEY (warehouse_code, item_sku),
    ADD CONSTRAINT stock_wh_fkey FOREIGN KEY (warehouse_code) REFERENCES warehouses (warehouse_code);
ALTER TABLE stock ADD CONSTRAINT stock_quantity_check CHECK (quantity >= 0 AND quantity <= 5000);
COMMENT ON TABLE stock IS 'what each warehouse holds';
