CREATE TABLE teams (
  team_id INT PRIMARY KEY,
  captain_id INT,
  FOREIGN KEY (captain_id) REFERENCES players (player_id)
);
CREATE TABLE players (
  player_id INT PRIMARY KEY,
  team_id INT REFERENCES teams (team_id)
);
